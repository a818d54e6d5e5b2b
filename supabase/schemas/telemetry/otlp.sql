-- OTLP/HTTP metrics (POST /v1/metrics, lib/otlp/*) ------------------------------------
-- requires: telemetry/ingest.sql, telemetry/histogram.sql, tokens/ingest_tokens.sql

-- Folds pre-aggregated histograms (an OTLP histogram point re-bucketed into the
-- rollups' log scale by lib/otlp/buckets.ts) into every rollup tier through
-- fold_rollups, as store_metrics folds single values. One row per point; p_hist
-- holds each point's trimmed cumulative histogram as an int[] literal
-- ('{lo,c_lo,...}'). No raw rows: a histogram point is not a sample.
create or replace function app_private.store_metric_aggregates(
  p_ws_ids uuid[], p_mig_ids uuid[], p_metrics text[],
  p_ws int[], p_mig int[], p_metric int[], p_new boolean[], p_time double precision[],
  p_n bigint[], p_sum double precision[], p_min double precision[], p_max double precision[], p_hist text[])
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  g record;
begin
  with s as materialized (
    select p_ws_ids[u.w] as ws, p_mig_ids[u.m] as mig, p_metrics[u.k] as metric,
           case when u.nw then 'new' else 'old' end as variant, to_timestamp(u.t) as time,
           u.n, u.su, u.mn, u.mx, u.h::int[] as hist
    from unnest(p_ws, p_mig, p_metric, p_new, p_time, p_n, p_sum, p_min, p_max, p_hist) as u(w, m, k, nw, t, n, su, mn, mx, h)
    where u.n > 0
  ), agg as (
    select x.ws, s.mig, s.metric, s.variant, r.res,
           date_bin(r.width, s.time, timestamptz '2000-01-01 00:00:00+00') as bucket,
           sum(s.n)::bigint as n, sum(s.su) as sum, min(s.mn) as min, max(s.mx) as max, app_private.hist_sum(s.hist)::text as hist
    from s
    cross join (values (60, interval '1 minute'), (600, interval '10 minutes'), (3600, interval '1 hour')) as r(res, width)
    cross join lateral (values (s.ws), ('00000000-0000-0000-0000-000000000000'::uuid)) as x(ws)
    group by 1, 2, 3, 4, 5, 6
  )
  select (select coalesce(sum(n), 0) from s) as n_points,
         array_agg(ws) as ws, array_agg(mig) as mig, array_agg(metric) as metric, array_agg(variant) as variant,
         array_agg(res) as res, array_agg(bucket) as bucket, array_agg(n) as n, array_agg(sum) as sum,
         array_agg(min) as min, array_agg(max) as max, array_agg(hist) as hist
    into g
    from agg;
  perform app_private.fold_rollups(g.ws, g.mig, g.metric, g.variant, g.res, g.bucket, g.n, g.sum, g.min, g.max, g.hist);
  return g.n_points;
end
$$;

-- First half of an OTLP request, as `anon`, in the request's transaction: checks
-- the token, judges each (workspace, migration) pair on its own (a data point for
-- a pair that fails is rejected alone: OTLP partial success), and locks and
-- returns the stored last points of the request's cumulative series. When the
-- request brings series not stored yet, it also takes the token's series lock and
-- counts its series, so the limit on series per token holds under concurrency.
-- Answer: {error} | {pairs: [null | {error, workspace?, migration?}], states: {key: state}, series_count}.
create or replace function public.otlp_prepare(
  p_token_hash text, p_workspaces text[], p_migrations text[], p_pairs int[], p_series text[])
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  v_token record;
  v_pairs jsonb;
  v_states jsonb;
  v_found int;
  v_count int;
begin
  select * into v_token from app_private.token_grant(p_token_hash);
  if not found then
    return jsonb_build_object('error', 'invalid_token');
  end if;
  if not ('metrics:write' = any (v_token.scopes)) then
    return jsonb_build_object('error', 'missing_scope', 'scope', 'metrics:write');
  end if;
  select coalesce(jsonb_agg(case
           when w.id is null then jsonb_build_object('error', 'unknown_workspace', 'workspace', p.ws)
           when v_token.workspace_ids is not null and not (w.id = any (v_token.workspace_ids))
             then jsonb_build_object('error', 'workspace_not_allowed', 'workspace', p.ws)
           when m.id is null then jsonb_build_object('error', 'unknown_migration', 'migration', p.mig)
           when not exists (select 1 from public.workspace_rollouts r where r.workspace_id = w.id and r.migration_id = m.id)
             then jsonb_build_object('error', 'not_enrolled', 'workspace', p.ws, 'migration', p.mig)
         end order by p.i), '[]'::jsonb)
    into v_pairs
  from (select i, p_workspaces[p_pairs[2 * i - 1]] as ws, p_migrations[p_pairs[2 * i]] as mig
        from generate_series(1, coalesce(array_length(p_pairs, 1), 0) / 2) i) p
  left join public.workspaces w on w.slug = p.ws
  left join public.migrations m on m.key = p.mig;

  select coalesce(jsonb_object_agg(l.series_key, l.state), '{}'::jsonb), count(*)
    into v_states, v_found
  from (select s.series_key, s.state from app_private.otlp_series s
        where s.token_id = v_token.id and s.series_key = any (p_series)
        order by s.series_key
        for update) l;
  if v_found < coalesce(cardinality(p_series), 0) then
    perform pg_advisory_xact_lock(hashtextextended('otlp_series:' || v_token.id::text, 0));
    select count(*) into v_count from app_private.otlp_series s where s.token_id = v_token.id;
  end if;
  return jsonb_build_object('pairs', v_pairs, 'states', v_states, 'series_count', coalesce(v_count, 0));
end
$$;

grant execute on function public.otlp_prepare(text, text[], text[], integer[], text[]) to anon, authenticated, service_role;

-- Second half, in the same transaction: stores the accepted points (single values
-- through store_metrics, so raw rows and rollups as for JSON batches; histograms
-- through store_metric_aggregates) and the new last points of cumulative series.
-- Re-checks the token and the targets (never trusts the caller), all or nothing:
-- {error…} before writing, else {accepted, workspace_ids, migration_ids}.
create or replace function public.ingest_otlp(
  p_token_hash text, p_workspaces text[], p_migrations text[], p_metrics text[], p_pairs int[],
  p_ws int[], p_mig int[], p_metric int[], p_new boolean[], p_value double precision[], p_time double precision[],
  p_a_ws int[], p_a_mig int[], p_a_metric int[], p_a_new boolean[], p_a_time double precision[],
  p_a_n bigint[], p_a_sum double precision[], p_a_min double precision[], p_a_max double precision[], p_a_hist text[],
  p_series text[], p_states jsonb)
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  v_token record;
  v_targets record;
  v_ws_ids uuid[] := '{}';
  v_mig_ids uuid[] := '{}';
  v_count bigint := 0;
begin
  select * into v_token from app_private.token_grant(p_token_hash);
  if not found then
    return jsonb_build_object('error', 'invalid_token');
  end if;
  if not ('metrics:write' = any (v_token.scopes)) then
    return jsonb_build_object('error', 'missing_scope', 'scope', 'metrics:write');
  end if;
  if coalesce(cardinality(p_pairs), 0) > 0 then
    select * into v_targets from app_private.resolve_targets(v_token.workspace_ids, p_workspaces, p_migrations, p_pairs);
    if v_targets.problem is not null then
      return v_targets.problem;
    end if;
    v_ws_ids := v_targets.ws_ids;
    v_mig_ids := v_targets.mig_ids;
    if coalesce(cardinality(p_ws), 0) > 0 then
      v_count := app_private.store_metrics(v_ws_ids, v_mig_ids, p_metrics,
                                           p_ws, p_mig, p_metric, p_new, p_value, p_time);
    end if;
    if coalesce(cardinality(p_a_ws), 0) > 0 then
      perform app_private.store_metric_aggregates(v_ws_ids, v_mig_ids, p_metrics,
        p_a_ws, p_a_mig, p_a_metric, p_a_new, p_a_time, p_a_n, p_a_sum, p_a_min, p_a_max, p_a_hist);
      v_count := v_count + cardinality(p_a_ws);
    end if;
  end if;
  if coalesce(cardinality(p_series), 0) > 0 then
    insert into app_private.otlp_series as s (token_id, series_key, state, updated_at)
    select v_token.id, u.k, e.st, now()
    from unnest(p_series) with ordinality as u(k, i)
    join jsonb_array_elements(p_states) with ordinality as e(st, j) on e.j = u.i
    order by u.k
    on conflict (token_id, series_key) do update set state = excluded.state, updated_at = excluded.updated_at;
  end if;
  update public.ingest_tokens set last_used_at = now()
  where id = v_token.id and (last_used_at is null or last_used_at < now() - interval '1 minute');
  return jsonb_build_object('accepted', v_count, 'workspace_ids', to_jsonb(v_ws_ids), 'migration_ids', to_jsonb(v_mig_ids));
end
$$;

grant execute on function public.ingest_otlp(text, text[], text[], text[], integer[], integer[], integer[], integer[], boolean[], double precision[], double precision[], integer[], integer[], integer[], boolean[], double precision[], bigint[], double precision[], double precision[], double precision[], text[], text[], jsonb) to anon, authenticated, service_role;
