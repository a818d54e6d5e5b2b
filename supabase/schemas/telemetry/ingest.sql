-- Storing a batch ----------------------------------------------------------------------

-- Folds per-bucket aggregates into the rollups: n, sum, min, max added, histograms
-- merged. One row per (workspace, migration, metric, variant, resolution, bucket);
-- the nil uuid as workspace stands for "all workspaces". 1-minute rows per workspace
-- go to metric_rollups, every other row to metric_rollups_coarse. The one writer of
-- the rollups for store_metrics (single values) and store_metric_aggregates (OTLP
-- histograms). Rows are upserted in one global key order, so concurrent batches
-- lock them in the same order (no deadlocks). p_hist: each row's trimmed cumulative
-- histogram as an int[] literal ('{lo,c_lo,...}').
create or replace function app_private.fold_rollups(
  p_ws uuid[], p_mig uuid[], p_metric text[], p_variant text[], p_res int[], p_bucket timestamptz[],
  p_n bigint[], p_sum double precision[], p_min double precision[], p_max double precision[], p_hist text[])
returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into public.metric_rollups as t (workspace_id, migration_id, metric, variant, bucket, n, sum, min, max, hist)
  select u.ws, u.mig, u.metric, u.variant, u.bucket, u.n, u.sum, u.min, u.max, u.hist::int[]
  from unnest(p_ws, p_mig, p_metric, p_variant, p_res, p_bucket, p_n, p_sum, p_min, p_max, p_hist)
    as u(ws, mig, metric, variant, res, bucket, n, sum, min, max, hist)
  where u.ws <> '00000000-0000-0000-0000-000000000000'::uuid and u.res = 60
  order by u.ws, u.mig, u.metric, u.variant, u.bucket
  on conflict (workspace_id, migration_id, metric, variant, bucket) do update
    set n = t.n + excluded.n, sum = t.sum + excluded.sum,
        min = least(t.min, excluded.min), max = greatest(t.max, excluded.max),
        hist = app_private.hist_merge(t.hist, excluded.hist);
  insert into public.metric_rollups_coarse as t (migration_id, workspace_id, resolution, metric, variant, bucket, n, sum, min, max, hist)
  select u.mig, u.ws, u.res, u.metric, u.variant, u.bucket, u.n, u.sum, u.min, u.max, u.hist::int[]
  from unnest(p_ws, p_mig, p_metric, p_variant, p_res, p_bucket, p_n, p_sum, p_min, p_max, p_hist)
    as u(ws, mig, metric, variant, res, bucket, n, sum, min, max, hist)
  where u.ws = '00000000-0000-0000-0000-000000000000'::uuid or u.res <> 60
  -- "all workspaces" rows last: every concurrent batch of a migration updates
  -- them, so they are locked as briefly as possible (still one global order).
  order by u.ws = '00000000-0000-0000-0000-000000000000'::uuid, u.mig, u.ws, u.res, u.metric, u.variant, u.bucket
  on conflict (migration_id, workspace_id, resolution, metric, variant, bucket) do update
    set n = t.n + excluded.n, sum = t.sum + excluded.sum,
        min = least(t.min, excluded.min), max = greatest(t.max, excluded.max),
        hist = app_private.hist_merge(t.hist, excluded.hist);
end
$$;

revoke all on function app_private.fold_rollups(uuid[], uuid[], text[], text[], integer[], timestamptz[], bigint[], double precision[], double precision[], double precision[], text[]) from public, anon, authenticated, service_role;

-- Stores samples: raw rows, and every sample counted in three tiers, for its
-- workspace and for "all workspaces", through fold_rollups. Samples arrive as
-- parallel arrays; p_ws / p_mig / p_metric index into the id/name arrays, so ids
-- are resolved once per batch, not once per row.
-- Callers have already checked who may write what (ingest_metrics, seeding).
create or replace function app_private.store_metrics(
  p_ws_ids uuid[], p_mig_ids uuid[], p_metrics text[],
  p_ws int[], p_mig int[], p_metric int[], p_new boolean[], p_value double precision[], p_time double precision[])
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  g record;
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
  ), agg as (
    -- the trimmed cumulative histogram, written as runs of equal counts
    select ws, mig, metric, variant, res, bucket,
           sum(c)::bigint as n, sum(sum) as sum, min(min) as min, max(max) as max,
           (min(idx) || ('{' || rtrim(string_agg(repeat(cum::text || ',', coalesce(next_idx - idx, 1)), '' order by idx), ',') || '}')::int[])::text as hist
    from runs
    group by ws, mig, metric, variant, res, bucket
  )
  select (select count(*) from raw) as n_raw,
         array_agg(ws) as ws, array_agg(mig) as mig, array_agg(metric) as metric, array_agg(variant) as variant,
         array_agg(res) as res, array_agg(bucket) as bucket, array_agg(n) as n, array_agg(sum) as sum,
         array_agg(min) as min, array_agg(max) as max, array_agg(hist) as hist
    into g
    from agg;
  perform app_private.fold_rollups(g.ws, g.mig, g.metric, g.variant, g.res, g.bucket, g.n, g.sum, g.min, g.max, g.hist);
  return g.n_raw;
end
$$;

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

grant execute on function public.ingest_metrics(text, text, text, text[], text[], text[], integer[], integer[], integer[], integer[], boolean[], double precision[], double precision[]) to anon, authenticated, service_role;

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

grant execute on function public.ingest_metric_batches(jsonb, text[], text[], text[], integer[], integer[], integer[], integer[], boolean[], double precision[], double precision[]) to anon, authenticated, service_role;
