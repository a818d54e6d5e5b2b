-- Telemetry: raw metric samples, rollups for charts and gates, feedback, and the
-- token-checked ingest functions the /api/v1 endpoints call as `anon`.
--
-- Histograms: a fixed log-scale layout shared by every rollup row (and mirrored in
-- lib/telemetry/histogram.ts). Bucket 0 holds values below 0.01 (zero, negatives),
-- bucket i (1..425) holds [0.01·1.05^(i-1), 0.01·1.05^i), bucket 426 the rest
-- (≥ ~1e7), so a percentile is within 2.5 % (half a bucket, in log space).
-- A row stores CUMULATIVE counts, trimmed to the buckets in use: {lo, c(lo), …,
-- c(hi)} where c(k) = samples in buckets 0..k, c < lo is 0 and c > hi is n. Merging
-- stays element-wise addition; a percentile is one binary search (width_bucket);
-- a sparse minute row costs a few integers, not 427.
set lock_timeout = '5s';
set statement_timeout = '60s';

-- Raw samples -------------------------------------------------------------------

-- No foreign keys on purpose: the ingest function resolves every id before it
-- writes, and per-row FK checks would halve ingest throughput. Raw rows are
-- short-lived (see prune_raw_metrics); rollups carry the history.
create table if not exists public.performance_metrics (
  time timestamptz not null,
  workspace_id uuid not null,
  migration_id uuid not null,
  variant text not null check (variant in ('old', 'new')),
  metric text not null,
  value double precision not null
);
-- Retention deletes by time; BRIN stays tiny on append-mostly data.
create index if not exists performance_metrics_time_brin on public.performance_metrics using brin (time);

alter table public.performance_metrics enable row level security;
create policy performance_metrics_select on public.performance_metrics for select to authenticated
  using ((select app_private.has_role('viewer')));

-- Rollups -------------------------------------------------------------------------

-- 1-minute buckets per workspace: what gates and guardrails read (rollup_stats).
-- No foreign keys, like the raw table: rows are written only by the ingest path
-- after it resolved the ids, and per-row FK triggers would dominate its cost.
create table if not exists public.metric_rollups (
  workspace_id uuid not null,
  migration_id uuid not null,
  metric text not null,
  variant text not null check (variant in ('old', 'new')),
  bucket timestamptz not null,
  n bigint not null,
  sum double precision not null,
  min double precision not null,
  max double precision not null,
  hist int[] not null,
  primary key (workspace_id, migration_id, metric, variant, bucket)
) with (fillfactor = 80); -- room on each page for HOT updates: rows are updated batch after batch

alter table public.metric_rollups enable row level security;
create policy metric_rollups_select on public.metric_rollups for select to authenticated
  using ((select app_private.has_role('viewer')));

-- Coarser tiers for charts over long ranges (10 min, 1 h per workspace) and the
-- migration-wide aggregate (workspace_id = the nil uuid; 1 min, 10 min, 1 h), so a
-- 30-day chart reads at most 720 rows per series and never merges histograms.
create table if not exists public.metric_rollups_coarse (
  migration_id uuid not null,
  -- '00000000-0000-0000-0000-000000000000' = every workspace of the migration
  workspace_id uuid not null,
  resolution int not null check (resolution in (60, 600, 3600)),
  metric text not null,
  variant text not null check (variant in ('old', 'new')),
  bucket timestamptz not null,
  n bigint not null,
  sum double precision not null,
  min double precision not null,
  max double precision not null,
  hist int[] not null,
  primary key (migration_id, workspace_id, resolution, metric, variant, bucket)
) with (fillfactor = 80);

alter table public.metric_rollups_coarse enable row level security;
create policy metric_rollups_coarse_select on public.metric_rollups_coarse for select to authenticated
  using ((select app_private.has_role('viewer')));

-- Feedback ------------------------------------------------------------------------

create table if not exists public.feedback_tracking (
  id bigint generated always as identity primary key,
  time timestamptz not null default now(),
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  migration_id uuid not null references public.migrations (id) on delete cascade,
  -- the workspace's stage of this migration when the item was received
  stage int,
  kind text not null check (kind in ('rating', 'complaint', 'comment', 'bug')),
  rating int check (rating between 1 and 5),
  message text check (char_length(message) <= 4000),
  source text not null check (char_length(source) between 1 and 100),
  reporter text check (char_length(reporter) <= 200),
  context jsonb,
  variant text check (variant in ('old', 'new')),
  check ((kind = 'rating') = (rating is not null))
);
create index if not exists feedback_tracking_ws_mig_time_idx on public.feedback_tracking (workspace_id, migration_id, time desc);
create index if not exists feedback_tracking_mig_time_idx on public.feedback_tracking (migration_id, time desc);

alter table public.feedback_tracking enable row level security;
create policy feedback_tracking_select on public.feedback_tracking for select to authenticated
  using ((select app_private.has_role('viewer')));

-- Idempotency keys: one stored answer per (token, key); a retried batch gets it back.
create table if not exists app_private.ingest_requests (
  token_id uuid not null,
  key text not null,
  request_hash text not null,
  response jsonb,
  created_at timestamptz not null default now(),
  primary key (token_id, key)
);
create index if not exists ingest_requests_created_idx on app_private.ingest_requests (created_at);

revoke all on public.performance_metrics, public.metric_rollups, public.metric_rollups_coarse,
  public.feedback_tracking from anon, authenticated;
grant select on public.performance_metrics, public.metric_rollups, public.metric_rollups_coarse,
  public.feedback_tracking to authenticated, service_role;
revoke all on app_private.ingest_requests from public;

-- Histogram helpers -----------------------------------------------------------------

-- Bucket of a value (0..426). Kept in step with lib/telemetry/histogram.ts.
create or replace function app_private.hist_index(v double precision) returns int
language sql immutable parallel safe
as $$
  select case when v < 0.01 then 0
              else least(426, floor(ln(v / 0.01) / ln(1.05))::int + 1) end
$$;

-- Sum of two trimmed cumulative histograms (null-tolerant: the sfunc of hist_sum).
create or replace function app_private.hist_merge(a int[], b int[]) returns int[]
language sql immutable parallel safe
as $$
  -- pad both to the union of their ranges (0 below, n above), then add element-wise
  select case when a is null then b when b is null then a else (
    select r.lo || array(select x + y from unnest(
        array_fill(0, array[a[1] - r.lo]) || a[2:] || array_fill(a[cardinality(a)], array[r.hi - a[1] - cardinality(a) + 2]),
        array_fill(0, array[b[1] - r.lo]) || b[2:] || array_fill(b[cardinality(b)], array[r.hi - b[1] - cardinality(b) + 2])) u(x, y))
    from (select least(a[1], b[1]) as lo, greatest(a[1] + cardinality(a) - 2, b[1] + cardinality(b) - 2) as hi) r)
  end
$$;

create or replace aggregate app_private.hist_sum(int[]) (sfunc = app_private.hist_merge, stype = int[]);

-- Estimated q-quantile from a trimmed cumulative histogram: the bucket holding rank
-- ceil(q·n), interpolated in log space, clamped to the exact [min, max].
create or replace function app_private.hist_quantile(h int[], q double precision, mn double precision, mx double precision)
returns double precision
language plpgsql immutable parallel safe
as $$
declare
  total int := h[cardinality(h)];
  t int;
  k int;
  below int;
begin
  if total is null or total = 0 then
    return null;
  end if;
  t := greatest(1, ceil(q * total)::int);
  -- buckets lo..k-1 hold fewer than t samples: k is the bucket of rank t
  k := h[1] + width_bucket(t - 1, h[2:]);
  if k = 0 then
    return mn;
  elsif k >= 426 then
    return mx;
  end if;
  below := case when k = h[1] then 0 else h[k - h[1] + 1] end;
  return greatest(mn, least(mx,
    0.01 * power(1.05, (k - 1) + (t - 0.5 - below)::double precision / (h[k - h[1] + 2] - below))));
end
$$;

revoke all on function app_private.hist_index(double precision), app_private.hist_merge(int[], int[]),
  app_private.hist_sum(int[]), app_private.hist_quantile(int[], double precision, double precision, double precision)
  from public;
grant execute on function app_private.hist_index(double precision), app_private.hist_merge(int[], int[]),
  app_private.hist_sum(int[]), app_private.hist_quantile(int[], double precision, double precision, double precision)
  to authenticated, service_role;

-- Storing a batch ----------------------------------------------------------------------

-- Stores samples and folds them into every rollup tier in one statement. Samples
-- arrive as parallel arrays; p_ws / p_mig / p_metric index into the id/name arrays,
-- so ids are resolved once per batch, not once per row. Rollup rows are upserted
-- in key order so concurrent batches lock them in the same order (no deadlocks).
-- Callers have already checked who may write what (ingest_metrics, seeding).
create or replace function app_private.store_metrics(
  p_ws_ids uuid[], p_mig_ids uuid[], p_metrics text[],
  p_ws int[], p_mig int[], p_metric int[], p_new boolean[], p_value double precision[], p_time double precision[])
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_count bigint;
begin
  with s as materialized (
    select p_ws_ids[u.w] as ws, p_mig_ids[u.m] as mig, p_metrics[u.k] as metric,
           case when u.nw then 'new' else 'old' end as variant, u.v as value,
           coalesce(to_timestamp(u.t), now()) as time
    from unnest(p_ws, p_mig, p_metric, p_new, p_value, p_time) as u(w, m, k, nw, v, t)
  ), raw as (
    insert into public.performance_metrics (time, workspace_id, migration_id, variant, metric, value)
    select time, ws, mig, variant, metric, value from s
    returning 1
  ), by_idx as (
    -- every sample counts in 3 tiers, for its workspace and for "all workspaces"
    select x.ws, s.mig, s.metric, s.variant, r.res,
           date_bin(r.width, s.time, timestamptz '2000-01-01 00:00:00+00') as bucket,
           app_private.hist_index(s.value) as idx,
           count(*) as c, sum(s.value) as sum, min(s.value) as min, max(s.value) as max
    from s
    cross join (values (60, interval '1 minute'), (600, interval '10 minutes'), (3600, interval '1 hour')) as r(res, width)
    cross join lateral (values (s.ws), ('00000000-0000-0000-0000-000000000000'::uuid)) as x(ws)
    group by 1, 2, 3, 4, 5, 6, 7
  ), runs as (
    select *, sum(c) over w as cum, lead(idx) over w as next_idx
    from by_idx
    window w as (partition by ws, mig, metric, variant, res, bucket order by idx)
  ), g as materialized (
    -- the trimmed cumulative histogram, written as runs of equal counts
    select ws, ws = '00000000-0000-0000-0000-000000000000'::uuid as all_ws, mig, metric, variant, res, bucket,
           sum(c) as n, sum(sum) as sum, min(min) as min, max(max) as max,
           min(idx) || ('{' || rtrim(string_agg(repeat(cum::text || ',', coalesce(next_idx - idx, 1)), '' order by idx), ',') || '}')::int[] as hist
    from runs
    group by ws, mig, metric, variant, res, bucket
  ), minute as (
    insert into public.metric_rollups as t (workspace_id, migration_id, metric, variant, bucket, n, sum, min, max, hist)
    select ws, mig, metric, variant, bucket, n, sum, min, max, hist from g
    where not all_ws and res = 60
    order by ws, mig, metric, variant, bucket
    on conflict (workspace_id, migration_id, metric, variant, bucket) do update
      set n = t.n + excluded.n, sum = t.sum + excluded.sum,
          min = least(t.min, excluded.min), max = greatest(t.max, excluded.max),
          hist = app_private.hist_merge(t.hist, excluded.hist)
    returning 1
  ), coarse as (
    insert into public.metric_rollups_coarse as t (migration_id, workspace_id, resolution, metric, variant, bucket, n, sum, min, max, hist)
    select mig, ws, res, metric, variant, bucket, n, sum, min, max, hist from g
    where all_ws or res <> 60
    -- "all workspaces" rows last: every concurrent batch of a migration updates
    -- them, so they are locked as briefly as possible (still one global order).
    order by all_ws, mig, ws, res, metric, variant, bucket
    on conflict (migration_id, workspace_id, resolution, metric, variant, bucket) do update
      set n = t.n + excluded.n, sum = t.sum + excluded.sum,
          min = least(t.min, excluded.min), max = greatest(t.max, excluded.max),
          hist = app_private.hist_merge(t.hist, excluded.hist)
    returning 1
  )
  select (select count(*) from raw) + 0 * (select count(*) from minute) + 0 * (select count(*) from coarse)
    into v_count;
  return v_count;
end
$$;
revoke all on function app_private.store_metrics(uuid[], uuid[], text[], int[], int[], int[], boolean[], double precision[], double precision[]) from public;

-- Resolves the token (hash) to its grant. Null when unknown or revoked.
create or replace function app_private.token_grant(p_token_hash text)
returns table (id uuid, workspace_ids uuid[], scopes text[])
language sql stable security definer set search_path = ''
as $$
  select t.id, t.workspace_ids, t.scopes from public.ingest_tokens t
  where t.token_hash = p_token_hash and t.revoked_at is null
$$;
revoke all on function app_private.token_grant(text) from public;

-- Checks a batch's workspaces and migrations against the token and the plans.
-- Returns null when all is well, else {error, workspace?, migration?} naming the
-- first offending slug/key (the caller maps it back to the item index).
create or replace function app_private.resolve_targets(
  p_workspace_ids uuid[], p_workspaces text[], p_migrations text[], p_pairs int[],
  out ws_ids uuid[], out mig_ids uuid[], out problem jsonb)
language plpgsql stable
set search_path = ''
as $$
declare
  v_bad text;
  v_pair record;
begin
  select array_agg(w.id order by u.ord), min(u.slug) filter (where w.id is null)
    into ws_ids, v_bad
  from unnest(p_workspaces) with ordinality u(slug, ord)
  left join public.workspaces w on w.slug = u.slug;
  if v_bad is not null then
    problem := jsonb_build_object('error', 'unknown_workspace', 'workspace', v_bad);
    return;
  end if;
  if p_workspace_ids is not null then
    select u.slug into v_bad
    from unnest(p_workspaces, ws_ids) u(slug, id)
    where not (u.id = any (p_workspace_ids)) limit 1;
    if v_bad is not null then
      problem := jsonb_build_object('error', 'workspace_not_allowed', 'workspace', v_bad);
      return;
    end if;
  end if;
  select array_agg(m.id order by u.ord), min(u.key) filter (where m.id is null)
    into mig_ids, v_bad
  from unnest(p_migrations) with ordinality u(key, ord)
  left join public.migrations m on m.key = u.key;
  if v_bad is not null then
    problem := jsonb_build_object('error', 'unknown_migration', 'migration', v_bad);
    return;
  end if;
  -- p_pairs: flattened (workspace index, migration index) pairs used by the batch
  select p_workspaces[p.w] as ws, p_migrations[p.m] as mig into v_pair
  from (select p_pairs[2 * i - 1] as w, p_pairs[2 * i] as m
        from generate_series(1, coalesce(array_length(p_pairs, 1), 0) / 2) i) p
  where not exists (select 1 from public.workspace_rollouts r
                    where r.workspace_id = ws_ids[p.w] and r.migration_id = mig_ids[p.m])
  limit 1;
  if found then
    problem := jsonb_build_object('error', 'not_enrolled', 'workspace', v_pair.ws, 'migration', v_pair.mig);
  end if;
end
$$;
revoke all on function app_private.resolve_targets(uuid[], text[], text[], int[]) from public;

-- Claims an idempotency key inside the batch's transaction. Returns the stored
-- answer of an earlier identical request (the caller returns it unchanged), an
-- error when the key was used for a different body, or null to go ahead.
-- A concurrent duplicate waits on the first one's row lock, then sees its answer.
create or replace function app_private.claim_idempotency(p_token uuid, p_key text, p_request_hash text)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_prev record;
begin
  if p_key is null then
    return null;
  end if;
  insert into app_private.ingest_requests (token_id, key, request_hash) values (p_token, p_key, p_request_hash)
  on conflict do nothing;
  if found then
    return null;
  end if;
  select r.request_hash, r.response into v_prev from app_private.ingest_requests r
  where r.token_id = p_token and r.key = p_key;
  if v_prev.request_hash <> p_request_hash then
    return jsonb_build_object('error', 'idempotency_mismatch');
  end if;
  if v_prev.response is null then
    -- claimed earlier in this same transaction (two copies of one batch in a group)
    return jsonb_build_object('duplicate', true);
  end if;
  return v_prev.response || jsonb_build_object('replayed', true);
end
$$;
revoke all on function app_private.claim_idempotency(uuid, text, text) from public;

-- POST /api/v1/metrics, as `anon`. Re-checks the token itself (never trusts the
-- caller), so it is safe to expose: without a live token hash it writes nothing.
-- All-or-nothing: it returns {error…} before writing, or stores the whole batch.
create or replace function public.ingest_metrics(
  p_token_hash text, p_idempotency_key text, p_request_hash text,
  p_workspaces text[], p_migrations text[], p_metrics text[], p_pairs int[],
  p_ws int[], p_mig int[], p_metric int[], p_new boolean[], p_value double precision[], p_time double precision[])
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  v_token record;
  v_targets record;
  v_prev jsonb;
  v_count bigint;
  v_result jsonb;
begin
  select * into v_token from app_private.token_grant(p_token_hash);
  if not found then
    return jsonb_build_object('error', 'invalid_token');
  end if;
  if not ('metrics:write' = any (v_token.scopes)) then
    return jsonb_build_object('error', 'missing_scope', 'scope', 'metrics:write');
  end if;
  select * into v_targets from app_private.resolve_targets(v_token.workspace_ids, p_workspaces, p_migrations, p_pairs);
  if v_targets.problem is not null then
    return v_targets.problem;
  end if;
  v_prev := app_private.claim_idempotency(v_token.id, p_idempotency_key, p_request_hash);
  if v_prev is not null then
    return v_prev;
  end if;
  v_count := app_private.store_metrics(v_targets.ws_ids, v_targets.mig_ids, p_metrics,
                                       p_ws, p_mig, p_metric, p_new, p_value, p_time);
  v_result := jsonb_build_object('accepted', v_count,
                                 'workspace_ids', to_jsonb(v_targets.ws_ids), 'migration_ids', to_jsonb(v_targets.mig_ids));
  if p_idempotency_key is not null then
    update app_private.ingest_requests set response = v_result
    where token_id = v_token.id and key = p_idempotency_key;
  end if;
  update public.ingest_tokens set last_used_at = now()
  where id = v_token.id and (last_used_at is null or last_used_at < now() - interval '1 minute');
  return v_result;
end
$$;
revoke all on function public.ingest_metrics(text, text, text, text[], text[], text[], int[], int[], int[], int[], boolean[], double precision[], double precision[]) from public;
grant execute on function public.ingest_metrics(text, text, text, text[], text[], text[], int[], int[], int[], int[], boolean[], double precision[], double precision[])
  to anon, authenticated, service_role;

-- The API's group commit: several metric batches in one transaction. Each batch is
-- checked on its own (token, scope, targets, idempotency) and is stored entirely or
-- not at all; the accepted ones share one store_metrics call, so concurrent batches
-- that touch the same rollup rows merge into them once instead of queueing on each
-- other's row locks. Samples are parallel arrays over the whole group; p_batch gives
-- each sample's 1-based batch. p_batches: [{t: token hash, k: idempotency key|null,
-- h: request hash, n: samples, w: [workspace indexes], m: [migration indexes],
-- p: [w, m, ...] pairs indexing the batch's own w/m lists}]. Returns one answer per
-- batch, shaped like ingest_metrics'.
create or replace function public.ingest_metric_batches(
  p_batches jsonb, p_workspaces text[], p_migrations text[], p_metrics text[], p_batch int[],
  p_ws int[], p_mig int[], p_metric int[], p_new boolean[], p_value double precision[], p_time double precision[])
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  v_b jsonb;
  v_i int := 0;
  v_token record;
  v_targets record;
  v_prev jsonb;
  v_results jsonb[] := '{}';
  v_ok boolean[] := '{}';
  v_tokens uuid[] := '{}';
  v_all_ok boolean := true;
  v_ws_ids uuid[];
  v_mig_ids uuid[];
begin
  for v_b in select e from jsonb_array_elements(p_batches) e loop
    v_i := v_i + 1;
    v_ok[v_i] := false;
    select * into v_token from app_private.token_grant(v_b->>'t');
    if not found then
      v_results[v_i] := jsonb_build_object('error', 'invalid_token');
    elsif not ('metrics:write' = any (v_token.scopes)) then
      v_results[v_i] := jsonb_build_object('error', 'missing_scope', 'scope', 'metrics:write');
    else
      select * into v_targets from app_private.resolve_targets(v_token.workspace_ids,
        array(select p_workspaces[x::int] from jsonb_array_elements_text(v_b->'w') x),
        array(select p_migrations[x::int] from jsonb_array_elements_text(v_b->'m') x),
        array(select x::int from jsonb_array_elements_text(v_b->'p') x));
      if v_targets.problem is not null then
        v_results[v_i] := v_targets.problem;
      else
        v_prev := app_private.claim_idempotency(v_token.id, v_b->>'k', v_b->>'h');
        if v_prev ? 'duplicate' then
          v_results[v_i] := jsonb_build_object('accepted', (v_b->>'n')::int, 'replayed', true);
        elsif v_prev is not null then
          v_results[v_i] := v_prev;
        else
          v_ok[v_i] := true;
          v_tokens := v_tokens || v_token.id;
          v_results[v_i] := jsonb_build_object('accepted', (v_b->>'n')::int,
            'workspace_ids', to_jsonb(v_targets.ws_ids), 'migration_ids', to_jsonb(v_targets.mig_ids));
        end if;
      end if;
    end if;
    v_all_ok := v_all_ok and v_ok[v_i];
  end loop;

  if true = any (v_ok) then
    select array_agg(w.id order by u.ord) into v_ws_ids
    from unnest(p_workspaces) with ordinality u(slug, ord) left join public.workspaces w on w.slug = u.slug;
    select array_agg(m.id order by u.ord) into v_mig_ids
    from unnest(p_migrations) with ordinality u(key, ord) left join public.migrations m on m.key = u.key;
    if v_all_ok then
      perform app_private.store_metrics(v_ws_ids, v_mig_ids, p_metrics, p_ws, p_mig, p_metric, p_new, p_value, p_time);
    else
      perform app_private.store_metrics(v_ws_ids, v_mig_ids, p_metrics,
        array_agg(u.w order by u.o), array_agg(u.m order by u.o), array_agg(u.k order by u.o),
        array_agg(u.nw order by u.o), array_agg(u.v order by u.o), array_agg(u.t order by u.o))
      from unnest(p_batch, p_ws, p_mig, p_metric, p_new, p_value, p_time) with ordinality u(b, w, m, k, nw, v, t, o)
      where v_ok[u.b];
    end if;
    v_i := 0;
    for v_b in select e from jsonb_array_elements(p_batches) e loop
      v_i := v_i + 1;
      if v_ok[v_i] and v_b->>'k' is not null then
        update app_private.ingest_requests r set response = v_results[v_i]
        where r.key = v_b->>'k' and r.response is null and r.token_id = (select g.id from app_private.token_grant(v_b->>'t') g);
      end if;
    end loop;
    update public.ingest_tokens set last_used_at = now()
    where id = any (v_tokens) and (last_used_at is null or last_used_at < now() - interval '1 minute');
  end if;
  return to_jsonb(v_results);
end
$$;
revoke all on function public.ingest_metric_batches(jsonb, text[], text[], text[], int[], int[], int[], int[], boolean[], double precision[], double precision[]) from public;
grant execute on function public.ingest_metric_batches(jsonb, text[], text[], text[], int[], int[], int[], int[], boolean[], double precision[], double precision[])
  to anon, authenticated, service_role;

-- POST /api/v1/feedback, as `anon`; same checks as ingest_metrics. Items are
-- jsonb objects with w/m indexes into p_workspaces/p_migrations. The stage is the
-- workspace's stage of that migration at receipt.
create or replace function public.ingest_feedback(
  p_token_hash text, p_idempotency_key text, p_request_hash text,
  p_workspaces text[], p_migrations text[], p_pairs int[], p_items jsonb)
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  v_token record;
  v_targets record;
  v_prev jsonb;
  v_count bigint;
  v_result jsonb;
begin
  select * into v_token from app_private.token_grant(p_token_hash);
  if not found then
    return jsonb_build_object('error', 'invalid_token');
  end if;
  if not ('feedback:write' = any (v_token.scopes)) then
    return jsonb_build_object('error', 'missing_scope', 'scope', 'feedback:write');
  end if;
  select * into v_targets from app_private.resolve_targets(v_token.workspace_ids, p_workspaces, p_migrations, p_pairs);
  if v_targets.problem is not null then
    return v_targets.problem;
  end if;
  v_prev := app_private.claim_idempotency(v_token.id, p_idempotency_key, p_request_hash);
  if v_prev is not null then
    return v_prev;
  end if;
  insert into public.feedback_tracking (time, workspace_id, migration_id, stage, kind, rating, message, source, reporter, context, variant)
  select coalesce(to_timestamp(i.t), now()), v_targets.ws_ids[i.w], v_targets.mig_ids[i.m], r.stage,
         i.kind, i.rating, i.message, i.source, i.reporter, i.context, i.variant
  from jsonb_to_recordset(p_items) as i(w int, m int, t double precision, kind text, rating int, message text,
                                        source text, reporter text, context jsonb, variant text)
  left join public.workspace_rollouts r on r.workspace_id = v_targets.ws_ids[i.w] and r.migration_id = v_targets.mig_ids[i.m];
  get diagnostics v_count = row_count;
  v_result := jsonb_build_object('accepted', v_count,
                                 'workspace_ids', to_jsonb(v_targets.ws_ids), 'migration_ids', to_jsonb(v_targets.mig_ids));
  if p_idempotency_key is not null then
    update app_private.ingest_requests set response = v_result
    where token_id = v_token.id and key = p_idempotency_key;
  end if;
  update public.ingest_tokens set last_used_at = now()
  where id = v_token.id and (last_used_at is null or last_used_at < now() - interval '1 minute');
  return v_result;
end
$$;
revoke all on function public.ingest_feedback(text, text, text, text[], text[], int[], jsonb) from public;
grant execute on function public.ingest_feedback(text, text, text, text[], text[], int[], jsonb) to anon, authenticated, service_role;

-- Called by the ingest routes after a batch has committed (outside its
-- transaction, so guardrail work can never fail an ingest). A no-op here: the
-- guardrails migration replaces it with the evaluation of the affected rules.
create or replace function public.after_telemetry_batch(p_workspace_ids uuid[], p_migration_ids uuid[]) returns void
language sql
as $$ select $$;

-- Reading rollups ------------------------------------------------------------------------

-- Statistics of one metric/variant over [p_from, p_to), from rollups only: whole
-- hours from the hourly tier, the partial hours at the edges from 1-minute rows.
-- p_workspace null = every workspace of the migration. n = 0 and null stats when
-- there is no data. Security invoker: RLS applies to members; the service role reads all.
create or replace function public.rollup_stats(p_workspace uuid, p_migration uuid, p_metric text, p_variant text,
  p_from timestamptz, p_to timestamptz)
returns table (n bigint, mean double precision, p50 double precision, p95 double precision, p99 double precision,
               min double precision, max double precision)
language sql stable
set search_path = ''
as $$
  with b as (
    select date_trunc('hour', p_from) + case when date_trunc('hour', p_from) < p_from then interval '1 hour' else interval '0' end as hs,
           date_trunc('hour', p_to) as he,
           coalesce(p_workspace, '00000000-0000-0000-0000-000000000000'::uuid) as ws
  ), r as (
    select c.n, c.sum, c.min, c.max, c.hist from public.metric_rollups_coarse c, b
    where c.migration_id = p_migration and c.workspace_id = b.ws and c.resolution = 3600
      and c.metric = p_metric and c.variant = p_variant and c.bucket >= b.hs and c.bucket < b.he
    union all
    select m.n, m.sum, m.min, m.max, m.hist from public.metric_rollups m, b
    where p_workspace is not null and m.workspace_id = p_workspace and m.migration_id = p_migration
      and m.metric = p_metric and m.variant = p_variant and m.bucket >= p_from and m.bucket < p_to
      and not (m.bucket >= b.hs and m.bucket < b.he)
    union all
    select c.n, c.sum, c.min, c.max, c.hist from public.metric_rollups_coarse c, b
    where p_workspace is null and c.migration_id = p_migration and c.workspace_id = b.ws and c.resolution = 60
      and c.metric = p_metric and c.variant = p_variant and c.bucket >= p_from and c.bucket < p_to
      and not (c.bucket >= b.hs and c.bucket < b.he)
  ), a as (
    select coalesce(sum(r.n), 0)::bigint as n, sum(r.sum) as s, min(r.min) as mn, max(r.max) as mx,
           app_private.hist_sum(r.hist) as h
    from r
  )
  select a.n, case when a.n > 0 then a.s / a.n end,
         app_private.hist_quantile(a.h, 0.50, a.mn, a.mx),
         app_private.hist_quantile(a.h, 0.95, a.mn, a.mx),
         app_private.hist_quantile(a.h, 0.99, a.mn, a.mx),
         a.mn, a.mx
  from a
$$;
grant execute on function public.rollup_stats(uuid, uuid, text, text, timestamptz, timestamptz) to authenticated, service_role;

-- Complaints + bug reports + ratings of 1 or 2, for stage gates and guardrails.
create or replace function public.negative_feedback_count(p_workspace uuid, p_migration uuid, p_from timestamptz, p_to timestamptz)
returns bigint
language sql stable
set search_path = ''
as $$
  select count(*) from public.feedback_tracking f
  where (p_workspace is null or f.workspace_id = p_workspace) and f.migration_id = p_migration
    and f.time >= p_from and f.time < p_to
    and (f.kind in ('complaint', 'bug') or (f.kind = 'rating' and f.rating <= 2))
$$;
grant execute on function public.negative_feedback_count(uuid, uuid, timestamptz, timestamptz) to authenticated, service_role;

-- Retention: deletes raw samples older than the given age (rollups stay) and
-- idempotency keys older than a day. Run by the worker (task prune_raw_metrics).
create or replace function public.prune_raw_metrics(p_older_than interval) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  delete from public.performance_metrics where time < now() - p_older_than;
  get diagnostics v_count = row_count;
  delete from app_private.ingest_requests where created_at < now() - interval '1 day';
  return v_count;
end
$$;
revoke all on function public.prune_raw_metrics(interval) from public;
grant execute on function public.prune_raw_metrics(interval) to service_role;

-- Ingest tokens, managed from Settings by admins -----------------------------------------

-- Creates a token from its hash (the raw token never reaches the database) and audits it.
create or replace function public.create_ingest_token(p_name text, p_token_hash text, p_prefix text,
  p_workspace_ids uuid[], p_scopes text[])
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if not app_private.has_role('admin') then
    raise exception 'Only admins can create ingest tokens.' using errcode = '42501';
  end if;
  if p_workspace_ids is not null and exists (
    select 1 from unnest(p_workspace_ids) u(id) where not exists (select 1 from public.workspaces w where w.id = u.id)) then
    raise exception 'One of the chosen workspaces no longer exists.';
  end if;
  insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids, scopes, created_by)
  values (p_name, p_token_hash, p_prefix, p_workspace_ids, p_scopes, (select auth.uid()))
  returning id into v_id;
  perform app_private.audit('ingest_token.create', 'ingest_token', v_id::text,
    jsonb_build_object('name', p_name, 'prefix', p_prefix, 'workspace_ids', p_workspace_ids, 'scopes', p_scopes));
  return v_id;
end
$$;
revoke all on function public.create_ingest_token(text, text, text, uuid[], text[]) from public;
grant execute on function public.create_ingest_token(text, text, text, uuid[], text[]) to authenticated;

-- Revokes a token at once (the ingest functions check revoked_at on every batch).
create or replace function public.revoke_ingest_token(p_id uuid) returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  v_name text;
begin
  if not app_private.has_role('admin') then
    raise exception 'Only admins can revoke ingest tokens.' using errcode = '42501';
  end if;
  update public.ingest_tokens set revoked_at = now() where id = p_id and revoked_at is null
  returning name into v_name;
  if not found then
    raise exception 'This token does not exist or is already revoked.';
  end if;
  perform app_private.audit('ingest_token.revoke', 'ingest_token', p_id::text, jsonb_build_object('name', v_name));
  return true;
end
$$;
revoke all on function public.revoke_ingest_token(uuid) from public;
grant execute on function public.revoke_ingest_token(uuid) to authenticated;
