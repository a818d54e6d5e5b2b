-- Prometheus as a metric source (tables: migration 20261202105000_prometheus_sources.sql).
-- The worker (lib/jobs/prometheus-query.ts) runs each source's PromQL per enrolled
-- workspace and variant at one evaluation time, then hands the values here: they are
-- stored through the same store_metrics as the ingest API (raw samples and every rollup
-- tier), at most once per (source, workspace, variant, evaluation time).
-- requires: telemetry/ingest.sql

-- Stores one run of a source. p_results: [{w: workspace id, status: ok|no_data|error,
-- reason, old: [values], new: [values]}] (values already checked finite and bounded by
-- the worker). Returns {stored, workspace_ids, migration_id}: the caller runs the
-- guardrail hook (public.after_telemetry_batch) for the workspaces that got samples.
create or replace function app_private.store_prometheus_run(p_source uuid, p_at timestamptz, p_status text,
  p_error text, p_counts jsonb, p_results jsonb)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  src public.prometheus_sources;
  v_ws uuid[];
  v_idx int[];
  v_new boolean[];
  v_values double precision[];
  v_stored bigint := 0;
begin
  select * into src from public.prometheus_sources where id = p_source for update;
  if not found then
    return jsonb_build_object('stored', 0, 'workspace_ids', '[]'::jsonb, 'missing', true);
  end if;

  -- claim (source, workspace, variant, time) keys; values of keys already claimed are dropped
  with vals as (
    select (r ->> 'w')::uuid as ws, v.variant, (x #>> '{}')::double precision as value
      from jsonb_array_elements(p_results) r
      cross join lateral (values ('old'), ('new')) v(variant)
      cross join lateral jsonb_array_elements(coalesce(r -> v.variant, '[]'::jsonb)) x
     where exists (select 1 from public.workspace_rollouts wr
                    where wr.workspace_id = (r ->> 'w')::uuid and wr.migration_id = src.migration_id)
  ), claimed as (
    insert into app_private.prometheus_evaluations (source_id, workspace_id, variant, evaluated_at)
    select distinct p_source, ws, variant, p_at from vals
    on conflict do nothing
    returning workspace_id, variant
  ), kept as materialized (
    select vals.ws, vals.variant, vals.value, dense_rank() over (order by vals.ws) as w_idx
      from vals join claimed c on c.workspace_id = vals.ws and c.variant = vals.variant
  )
  select array_agg(distinct ws), array_agg(w_idx::int order by w_idx, variant, value),
         array_agg(variant = 'new' order by w_idx, variant, value), array_agg(value order by w_idx, variant, value)
    into v_ws, v_idx, v_new, v_values
    from kept;

  if v_ws is not null then
    -- array_agg(distinct ws) is sorted, as dense_rank's order is
    v_stored := app_private.store_metrics(v_ws, array[src.migration_id], array[src.metric],
      v_idx, array_fill(1, array[cardinality(v_idx)]), array_fill(1, array[cardinality(v_idx)]),
      v_new, v_values, array_fill(extract(epoch from p_at)::double precision, array[cardinality(v_idx)]));
  end if;

  insert into public.prometheus_source_results as t (source_id, workspace_id, evaluated_at, status, reason, samples)
  select p_source, (r ->> 'w')::uuid, p_at, r ->> 'status', left(r ->> 'reason', 500),
         coalesce(jsonb_array_length(r -> 'old'), 0) + coalesce(jsonb_array_length(r -> 'new'), 0)
    from jsonb_array_elements(p_results) r
   where exists (select 1 from public.workspaces w where w.id = (r ->> 'w')::uuid)
  on conflict (source_id, workspace_id) do update
    set evaluated_at = excluded.evaluated_at, status = excluded.status, reason = excluded.reason, samples = excluded.samples
    where t.evaluated_at <= excluded.evaluated_at;

  update public.prometheus_sources
     set last_run_at = now(), last_evaluated_at = p_at, last_status = p_status, last_error = left(p_error, 1000),
         last_counts = coalesce(p_counts, '{}'::jsonb) || jsonb_build_object('stored', v_stored)
   where id = p_source;

  -- keys are only needed while a re-run for their time can happen (at most a day back)
  delete from app_private.prometheus_evaluations where evaluated_at < now() - interval '2 days';

  return jsonb_build_object('stored', v_stored, 'workspace_ids', coalesce(to_jsonb(v_ws), '[]'::jsonb),
    'migration_id', src.migration_id);
end
$$;
revoke all on function app_private.store_prometheus_run(uuid, timestamptz, text, text, jsonb, jsonb) from public, anon, authenticated, service_role;

-- A gate's checks as seen through the migration's Prometheus sources: a check that
-- reads a metric a source feeds says "no data" (with the source's reason) while the
-- source's latest result for this workspace is not ok, or is older than three of its
-- intervals (a stopped worker, an unreachable Prometheus): samples stored earlier
-- never pass a gate while the source cannot tell how the workspace is doing now.
create or replace function app_private.prometheus_gate_overlay(p_workspace uuid, p_migration uuid, p_checks jsonb)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  bad jsonb;
begin
  select jsonb_object_agg(x.metric, x.reason) into bad from (
    select distinct on (s.metric) s.metric,
           format('Prometheus source "%s": %s', s.name,
             case when r.source_id is null then 'not queried yet'
                  when r.status <> 'ok' then coalesce(r.reason, r.status)
                  else format('last result %s s old', round(extract(epoch from (now() - r.evaluated_at)))) end) as reason
      from public.prometheus_sources s
      left join public.prometheus_source_results r on r.source_id = s.id and r.workspace_id = p_workspace
     where s.migration_id = p_migration and s.enabled
       and (r.source_id is null or r.status <> 'ok' or r.evaluated_at < now() - make_interval(secs => 3 * s.interval_seconds))
     order by s.metric, s.name) x;
  if bad is null then
    return p_checks;
  end if;
  return (select coalesce(jsonb_agg(
      case when c -> 'evidence' ->> 'metric' is not null and bad ? (c -> 'evidence' ->> 'metric') and c ->> 'status' <> 'no_data'
           then c || jsonb_build_object('status', 'no_data', 'source_error', bad ->> (c -> 'evidence' ->> 'metric'),
                                        'summary', bad ->> (c -> 'evidence' ->> 'metric'))
           when c -> 'evidence' ->> 'metric' is not null and bad ? (c -> 'evidence' ->> 'metric')
           then c || jsonb_build_object('source_error', bad ->> (c -> 'evidence' ->> 'metric'))
           else c end order by i), '[]'::jsonb)
    from jsonb_array_elements(p_checks) with ordinality e(c, i));
end
$$;
revoke all on function app_private.prometheus_gate_overlay(uuid, uuid, jsonb) from public, anon, authenticated, service_role;
