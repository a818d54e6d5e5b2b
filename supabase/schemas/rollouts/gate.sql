-- Gate evaluation ------------------------------------------------------------------

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

  if s.max_error_rate is not null then
    select * into err_new from public.rollup_stats(p_workspace, p_migration, 'error', 'new', win_from, win_to);
    checks := checks || jsonb_build_object('check', 'error_rate', 'label', 'Error rate of new',
      'observed', case when coalesce(err_new.n, 0) > 0 then round(err_new.mean::numeric, 5) end,
      'threshold', s.max_error_rate, 'unit', 'ratio', 'comparator', '<=',
      'status', case when coalesce(err_new.n, 0) = 0 then 'no_data'
                     when err_new.mean <= s.max_error_rate then 'pass' else 'fail' end);
  end if;

  if s.max_p95_ratio is not null then
    ratio := case when n_old > 0 and n_new > 0 and lat_old.p95 > 0 then round((lat_new.p95 / lat_old.p95)::numeric, 3) end;
    checks := checks || jsonb_build_object('check', 'p95_ratio', 'label', 'p95 latency new/old',
      'observed', ratio, 'threshold', s.max_p95_ratio, 'unit', 'ratio', 'comparator', '<=',
      'observed_old', case when n_old > 0 then round(lat_old.p95::numeric, 1) end,
      'observed_new', case when n_new > 0 then round(lat_new.p95::numeric, 1) end,
      'status', case when ratio is null then 'no_data' when ratio <= s.max_p95_ratio then 'pass' else 'fail' end);
  end if;

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

-- One sentence naming the failed checks, for people: "Gate failed: p95 latency new/old = 1.41, limit 1.2".
create or replace function app_private.gate_failure_text(p_report jsonb)
returns text
language sql immutable set search_path = ''
as $$
  select 'Gate failed: ' || string_agg(
    case c ->> 'status'
      when 'no_data' then (c ->> 'label') || ': not enough data'
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
