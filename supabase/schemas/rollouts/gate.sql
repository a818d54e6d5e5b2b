-- Gate evaluation ------------------------------------------------------------------
-- requires: telemetry/prometheus.sql

-- Structured report for moving a workspace to p_target: one entry per check with
-- the observed value, the threshold and pass | fail | no_data. Missing data never
-- passes. Reads telemetry rollups only (public.rollup_stats), never raw samples.
create or replace function app_private.gate_report(p_workspace uuid, p_migration uuid, p_target int)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  s public.migration_stages;
  win_from timestamptz;
  win_to timestamptz := now();
  checks jsonb := '[]'::jsonb;
  soak numeric;
  lat_old record;
  lat_new record;
  err_new record;
  n_old bigint;
  n_new bigint;
  ratio numeric;
  neg bigint;
  crit bigint;
  passed boolean;
  ev jsonb;
  extra jsonb;
begin
  select * into r from public.workspace_rollouts where workspace_id = p_workspace and migration_id = p_migration;
  if not found then
    raise exception 'This workspace is not enrolled in this migration.' using errcode = 'P0001';
  end if;
  select * into s from public.migration_stages where migration_id = p_migration and position = p_target;
  if not found then
    raise exception 'Stage % does not exist in this migration.', p_target using errcode = 'P0001';
  end if;
  -- Judge the workspace on how it behaved at its current stage, at most the last 7 days.
  win_from := greatest(r.entered_at, now() - interval '7 days');

  soak := round((extract(epoch from (now() - r.entered_at)) / 60)::numeric, 1);
  if s.min_soak_minutes > 0 then
    checks := checks || jsonb_build_object('check', 'soak_time', 'label', 'Soak time at current stage',
      'observed', soak, 'threshold', s.min_soak_minutes, 'unit', 'min', 'comparator', '>=',
      'status', case when soak >= s.min_soak_minutes then 'pass' else 'fail' end);
  end if;

  if s.min_samples > 0 or s.max_p95_ratio is not null then
    select * into lat_old from public.rollup_stats(p_workspace, p_migration, 'latency_ms', 'old', win_from, win_to);
    select * into lat_new from public.rollup_stats(p_workspace, p_migration, 'latency_ms', 'new', win_from, win_to);
    n_old := coalesce(lat_old.n, 0);
    n_new := coalesce(lat_new.n, 0);
  end if;

  if s.min_samples > 0 then
    checks := checks || jsonb_build_object('check', 'min_samples', 'label', 'Samples per variant (fewest of old, new)',
      'observed', least(n_old, n_new), 'threshold', s.min_samples, 'unit', 'samples', 'comparator', '>=',
      'observed_old', n_old, 'observed_new', n_new,
      'status', case when least(n_old, n_new) >= s.min_samples then 'pass' else 'fail' end);
  end if;

  -- Statistical checks decide with sequential tests (checks/*.sql): pass only when the
  -- whole interval meets the limit, fail when none of it does, else inconclusive,
  -- which blocks like a failure and says about how many more samples would settle it.
  -- The gate's min_samples is each test's minimum too.
  if s.max_error_rate is not null then
    ev := app_private.evaluate_check(jsonb_build_object('key', 'error_rate', 'statistic', 'error_rate', 'comparison', 'absolute',
        'operator', '<=', 'threshold', s.max_error_rate, 'min_samples', s.min_samples, 'alpha', 0.02, 't_star', 500),
      array[p_workspace], p_migration, win_from, win_to);
    checks := checks || (app_private.gate_check_entry('error_rate', 'Error rate of new', 'ratio', ev)
      || jsonb_build_object('observed', case when (ev ->> 'n_new')::bigint > 0 then round((ev ->> 'estimate')::numeric, 5) end));
  end if;

  if s.max_p95_ratio is not null then
    ev := app_private.evaluate_check(jsonb_build_object('key', 'p95_ratio', 'statistic', 'p95_latency', 'comparison', 'ratio_to_old',
        'operator', '<=', 'threshold', s.max_p95_ratio, 'min_samples', s.min_samples, 'alpha', 0.02, 't_star', 500),
      array[p_workspace], p_migration, win_from, win_to);
    checks := checks || (app_private.gate_check_entry('p95_ratio', 'p95 latency new/old', 'ratio', ev)
      || jsonb_build_object('observed', round((ev ->> 'estimate')::numeric, 3),
           'observed_old', case when n_old > 0 then round(lat_old.p95::numeric, 1) end,
           'observed_new', case when n_new > 0 then round(lat_new.p95::numeric, 1) end));
  end if;

  -- the stage's extra checks (custom metrics and more), in the order given
  for extra in select e from jsonb_array_elements(coalesce(s.checks, '[]'::jsonb)) e loop
    ev := app_private.evaluate_check(jsonb_build_object('alpha', 0.02, 't_star', 500) || extra,
      array[p_workspace], p_migration, win_from, win_to);
    checks := checks || app_private.gate_check_entry(coalesce(extra ->> 'key', 'check_' || jsonb_array_length(checks)),
      coalesce(extra ->> 'label', initcap(replace(extra ->> 'statistic', '_', ' ')) || coalesce(' (' || (extra ->> 'metric') || ')', '')
        || case extra ->> 'comparison' when 'ratio_to_old' then ' new/old' when 'difference_to_old' then ' new − old' else '' end),
      case when extra ->> 'statistic' in ('p50_latency', 'p95_latency', 'p99_latency') and coalesce(extra ->> 'comparison', 'absolute') = 'absolute' then 'ms'
           when extra ->> 'statistic' = 'soak_time' then 'min' else 'ratio' end, ev);
  end loop;

  if s.max_negative_feedback is not null then
    neg := public.negative_feedback_count(p_workspace, p_migration, win_from, win_to);
    checks := checks || jsonb_build_object('check', 'negative_feedback', 'label', 'Complaints and bad ratings at current stage',
      'observed', neg, 'threshold', s.max_negative_feedback, 'unit', 'items', 'comparator', '<=',
      'status', case when neg <= s.max_negative_feedback then 'pass' else 'fail' end);
  end if;

  if s.max_open_critical_alerts is not null then
    select count(*) into crit from public.performance_alerts
     where workspace_id = p_workspace and migration_id = p_migration and severity = 'critical' and state <> 'resolved';
    checks := checks || jsonb_build_object('check', 'open_critical_alerts', 'label', 'Open critical alerts',
      'observed', crit, 'threshold', s.max_open_critical_alerts, 'unit', 'alerts', 'comparator', '<=',
      'status', case when crit <= s.max_open_critical_alerts then 'pass' else 'fail' end);
  end if;

  -- a metric fed by a Prometheus source that cannot tell how the workspace is doing now: no data
  checks := app_private.prometheus_gate_overlay(p_workspace, p_migration, checks);

  passed := not exists (select 1 from jsonb_array_elements(checks) c where c ->> 'status' <> 'pass');
  return jsonb_build_object(
    'passed', passed,
    'from_stage', r.stage,
    'target_stage', p_target,
    'target_stage_key', s.key,
    'target_stage_name', s.name,
    'window_from', win_from,
    'window_to', win_to,
    'evaluated_at', now(),
    'checks', checks);
end
$$;

-- A gate checklist entry from a check's evidence: the fields the checklist has always
-- had (observed, threshold, comparator, status: pass | fail | no_data | inconclusive)
-- plus the interval, the test, n per variant, the summary line and the evidence.
create or replace function app_private.gate_check_entry(p_check text, p_label text, p_unit text, e jsonb)
returns jsonb
language sql immutable set search_path = ''
as $$
  select jsonb_build_object('check', p_check, 'label', p_label, 'unit', p_unit,
    'observed', e -> 'estimate', 'threshold', e -> 'threshold', 'comparator', e ->> 'operator',
    'lower', e -> 'lower', 'upper', e -> 'upper', 'n_old', e -> 'n_old', 'n_new', e -> 'n_new',
    'needed_samples_estimate', e -> 'needed_samples_estimate', 'test', e ->> 'test', 'summary', e ->> 'summary',
    'status', case when e ->> 'verdict' in ('pass', 'fail') then e ->> 'verdict'
                   when e ->> 'reason' = 'no_data' then 'no_data' else 'inconclusive' end,
    'evidence', e - 'summary')
$$;
revoke all on function app_private.gate_check_entry(text, text, text, jsonb) from public, anon, authenticated, service_role;

-- One sentence naming the failed checks, for people: "Gate failed: p95 latency new/old = 1.41, limit 1.2".
create or replace function app_private.gate_failure_text(p_report jsonb)
returns text
language sql immutable set search_path = ''
as $$
  select 'Gate failed: ' || string_agg(
    case c ->> 'status'
      when 'no_data' then (c ->> 'label') || ': not enough data'
      when 'inconclusive' then (c ->> 'label') || ' inconclusive: ' || coalesce(c ->> 'summary', 'not enough data')
      else (c ->> 'label') || ' = ' || coalesce(c ->> 'observed', '—') || ', limit ' || (c ->> 'threshold')
    end, '; ')
  from jsonb_array_elements(p_report -> 'checks') c
  where c ->> 'status' <> 'pass'
$$;

-- Read-only gate check for the UI's live checklist (viewers may look).
create or replace function public.evaluate_gate(p_workspace uuid, p_migration uuid, p_target_stage int default null)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  cur int;
begin
  if not app_private.has_role('viewer') then
    raise exception 'Not allowed: members only.' using errcode = '42501';
  end if;
  select stage into cur from public.workspace_rollouts where workspace_id = p_workspace and migration_id = p_migration;
  if not found then
    raise exception 'This workspace is not enrolled in this migration.' using errcode = 'P0001';
  end if;
  return app_private.gate_report(p_workspace, p_migration, coalesce(p_target_stage, cur + 1));
end
$$;

grant execute on function public.evaluate_gate(uuid, uuid, integer) to authenticated;
