-- Stage control: gate evaluation and every rollout transition (advance, rollback,
-- wave, emergency stop, pause, resume) as SQL functions. Each is security definer,
-- checks the caller's role itself, locks the rows it changes and writes exactly one
-- stage_transitions row per workspace it moves, in one transaction. Server actions,
-- the API, the worker and psql all call these; there is no other write path.
set lock_timeout = '5s';
set statement_timeout = '60s';

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
    -- Alerts arrive with the guardrails migration; until then there is nothing to count.
    if to_regclass('public.performance_alerts') is not null then
      execute 'select count(*) from public.performance_alerts
                where workspace_id = $1 and migration_id = $2 and severity = ''critical'' and state <> ''resolved'''
        into crit using p_workspace, p_migration;
    else
      crit := 0;
    end if;
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

-- The one write path ----------------------------------------------------------------

-- Moves a locked rollout and appends its transition. Callers have checked role,
-- staleness and rules; this only writes. Actor comes from the JWT claims (null = system).
create or replace function app_private.apply_transition(
  p_workspace uuid, p_migration uuid, p_to_stage int, p_status text, p_kind text, p_reason text, p_report jsonb)
returns public.stage_transitions
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  t public.stage_transitions;
begin
  select * into r from public.workspace_rollouts
   where workspace_id = p_workspace and migration_id = p_migration for update;
  update public.workspace_rollouts
     set stage = p_to_stage,
         status = p_status,
         entered_at = case when p_to_stage <> r.stage then now() else entered_at end,
         updated_at = now(),
         version = version + 1
   where workspace_id = p_workspace and migration_id = p_migration;
  insert into public.stage_transitions
    (workspace_id, migration_id, from_stage, to_stage, kind, status_after, actor, actor_email, reason, gate_report)
  values (p_workspace, p_migration, r.stage, p_to_stage, p_kind, p_status, auth.uid(), auth.email(), coalesce(p_reason, ''), p_report)
  returning * into t;
  return t;
end
$$;

create or replace function app_private.require_role(p_role text, p_what text)
returns void
language plpgsql stable security definer set search_path = ''
as $$
begin
  if not app_private.has_role(p_role) then
    raise exception 'Not allowed: % needs the % role.', p_what, p_role using errcode = '42501';
  end if;
end
$$;

-- Locks and returns the rollout, refusing unknown or stale ones.
create or replace function app_private.lock_rollout(p_workspace uuid, p_migration uuid, p_expected_stage int, p_expected_version bigint)
returns public.workspace_rollouts
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
begin
  select * into r from public.workspace_rollouts
   where workspace_id = p_workspace and migration_id = p_migration for update;
  if not found then
    raise exception 'This workspace is not enrolled in this migration.' using errcode = 'P0001';
  end if;
  if (p_expected_stage is not null and r.stage <> p_expected_stage)
     or (p_expected_version is not null and r.version <> p_expected_version) then
    raise exception 'Stale: the workspace is now at stage % (version %), not what you saw. Reload and try again.', r.stage, r.version
      using errcode = 'P0001';
  end if;
  return r;
end
$$;

-- Advance -------------------------------------------------------------------------------

-- One stage forward from the stage the caller saw. The target stage's gate is
-- evaluated first; a failed gate changes nothing and returns the report. An admin
-- may override a failed gate with a written reason (recorded as kind 'override').
-- Returns {ok, transition_id?, to_stage?, report, message?}.
create or replace function public.advance_workspace(
  p_workspace uuid, p_migration uuid, p_expected_stage int, p_reason text default '',
  p_override boolean default false, p_expected_version bigint default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  last_stage int;
  report jsonb;
  t public.stage_transitions;
begin
  perform app_private.require_role('operator', 'advancing a workspace');
  if p_override then
    perform app_private.require_role('admin', 'overriding a stage gate');
    if length(btrim(coalesce(p_reason, ''))) < 10 then
      raise exception 'An override needs a written reason (at least 10 characters).' using errcode = 'P0001';
    end if;
  end if;
  r := app_private.lock_rollout(p_workspace, p_migration, p_expected_stage, p_expected_version);
  if r.status = 'paused' then
    raise exception 'The workspace is paused; resume it before advancing.' using errcode = 'P0001';
  end if;
  select max(position) into last_stage from public.migration_stages where migration_id = p_migration;
  if r.stage >= last_stage then
    raise exception 'The workspace is already at the last stage (%).', last_stage using errcode = 'P0001';
  end if;
  report := app_private.gate_report(p_workspace, p_migration, r.stage + 1);
  if not (report ->> 'passed')::boolean and not p_override then
    return jsonb_build_object('ok', false, 'report', report, 'message', app_private.gate_failure_text(report));
  end if;
  t := app_private.apply_transition(p_workspace, p_migration, r.stage + 1, 'active',
    case when (report ->> 'passed')::boolean then 'advance' else 'override' end,
    coalesce(nullif(btrim(p_reason), ''), 'Advanced to ' || (report ->> 'target_stage_name')),
    report || jsonb_build_object('overridden', not (report ->> 'passed')::boolean));
  return jsonb_build_object('ok', true, 'transition_id', t.id, 'from_stage', t.from_stage, 'to_stage', t.to_stage,
    'kind', t.kind, 'report', report);
end
$$;

-- Rollback --------------------------------------------------------------------------------

-- To any earlier stage (default: the previous one), with a reason.
create or replace function public.rollback_workspace(
  p_workspace uuid, p_migration uuid, p_reason text, p_to_stage int default null,
  p_expected_stage int default null, p_expected_version bigint default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  target int;
  t public.stage_transitions;
begin
  perform app_private.require_role('operator', 'rolling back a workspace');
  if length(btrim(coalesce(p_reason, ''))) < 3 then
    raise exception 'A rollback needs a reason.' using errcode = 'P0001';
  end if;
  r := app_private.lock_rollout(p_workspace, p_migration, p_expected_stage, p_expected_version);
  target := coalesce(p_to_stage, r.stage - 1);
  if r.stage = 0 then
    raise exception 'The workspace is already at stage 0; there is nothing to roll back.' using errcode = 'P0001';
  end if;
  if target < 0 or target >= r.stage then
    raise exception 'A rollback goes to an earlier stage (0 to %), not %.', r.stage - 1, target using errcode = 'P0001';
  end if;
  t := app_private.apply_transition(p_workspace, p_migration, target,
    case when r.status = 'paused' then 'paused' else 'rolled_back' end, 'rollback', btrim(p_reason), null);
  return jsonb_build_object('ok', true, 'transition_id', t.id, 'from_stage', t.from_stage, 'to_stage', t.to_stage, 'kind', t.kind);
end
$$;

-- Pause / resume ---------------------------------------------------------------------------

-- One body for both directions: a pause or resume is a transition to the same stage.
create or replace function app_private.set_paused(p_workspace uuid, p_migration uuid, p_paused boolean, p_reason text)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  t public.stage_transitions;
begin
  perform app_private.require_role('operator', case when p_paused then 'pausing a workspace' else 'resuming a workspace' end);
  if length(btrim(coalesce(p_reason, ''))) < 3 then
    raise exception '% needs a reason.', case when p_paused then 'Pausing' else 'Resuming' end using errcode = 'P0001';
  end if;
  r := app_private.lock_rollout(p_workspace, p_migration, null, null);
  if (r.status = 'paused') = p_paused then
    raise exception '%', case when p_paused then 'The workspace is already paused.' else 'The workspace is not paused.' end
      using errcode = 'P0001';
  end if;
  t := app_private.apply_transition(p_workspace, p_migration, r.stage,
    case when p_paused then 'paused' else 'active' end, case when p_paused then 'pause' else 'resume' end, btrim(p_reason), null);
  return jsonb_build_object('ok', true, 'transition_id', t.id, 'to_stage', t.to_stage, 'kind', t.kind);
end
$$;

create or replace function public.pause_workspace(p_workspace uuid, p_migration uuid, p_reason text)
returns jsonb
language sql security definer set search_path = ''
as $$ select app_private.set_paused(p_workspace, p_migration, true, p_reason) $$;

create or replace function public.resume_workspace(p_workspace uuid, p_migration uuid, p_reason text)
returns jsonb
language sql security definer set search_path = ''
as $$ select app_private.set_paused(p_workspace, p_migration, false, p_reason) $$;

-- Waves --------------------------------------------------------------------------------------

-- Deterministic wave order within a migration: canaries first, then a hash of
-- (migration, workspace). A fixed order is what makes 1 → 10 → 25 → 50 → 100 %
-- only ever add workspaces.
create or replace function app_private.wave_rank_key(p_migration uuid, p_workspace uuid)
returns text
language sql immutable set search_path = ''
as $$
  select md5(p_migration::text || ':' || p_workspace::text)
$$;

-- Moves workspaces at stage p_from_stage to the next stage: either p_percent of the
-- population at or beyond p_from_stage (so the first N % in wave order are past it),
-- or the next p_count in wave order. Gate failures and paused workspaces are
-- skipped and reported. With p_dry_run nothing is written: the same report is a preview.
create or replace function public.advance_wave(
  p_migration uuid, p_from_stage int, p_percent numeric default null, p_count int default null,
  p_reason text default '', p_dry_run boolean default false)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  population int;
  wanted int;
  already int;
  item record;
  report jsonb;
  moved jsonb := '[]'::jsonb;
  failed jsonb := '[]'::jsonb;
  skipped jsonb := '[]'::jsonb;
  last_stage int;
  to_move int;
begin
  if p_dry_run then
    perform app_private.require_role('viewer', 'previewing a wave');
  else
    perform app_private.require_role('operator', 'advancing a wave');
  end if;
  if (p_percent is null) = (p_count is null) then
    raise exception 'Give either a percentage or a count of workspaces, not both.' using errcode = 'P0001';
  end if;
  if p_percent is not null and (p_percent <= 0 or p_percent > 100) then
    raise exception 'The wave percentage must be between 0 and 100, not %.', p_percent using errcode = 'P0001';
  end if;
  if p_count is not null and p_count <= 0 then
    raise exception 'The wave size must be at least 1, not %.', p_count using errcode = 'P0001';
  end if;
  select max(position) into last_stage from public.migration_stages where migration_id = p_migration;
  if last_stage is null then
    raise exception 'Unknown migration.' using errcode = 'P0001';
  end if;
  if p_from_stage < 0 or p_from_stage >= last_stage then
    raise exception 'Stage % has no next stage to advance to.', p_from_stage using errcode = 'P0001';
  end if;

  select count(*) filter (where stage >= p_from_stage), count(*) filter (where stage > p_from_stage)
    into population, already
    from public.workspace_rollouts where migration_id = p_migration;
  if p_percent is not null then
    wanted := greatest(0, ceil(population * p_percent / 100.0)::int - already);
  else
    wanted := p_count;
  end if;
  to_move := wanted;

  -- Lock the candidates in a stable order (workspace id) to avoid deadlocks with
  -- other transitions, then walk them in wave order.
  perform 1 from public.workspace_rollouts
   where migration_id = p_migration and stage = p_from_stage
   order by workspace_id
   for update;

  for item in
    select r.workspace_id, r.status, w.slug, w.name, w.is_canary
      from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
     where r.migration_id = p_migration and r.stage = p_from_stage
     order by w.is_canary desc, app_private.wave_rank_key(p_migration, r.workspace_id)
  loop
    exit when to_move <= 0;
    if item.status = 'paused' then
      skipped := skipped || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name, 'reason', 'paused');
      continue;
    end if;
    report := app_private.gate_report(item.workspace_id, p_migration, p_from_stage + 1);
    if not (report ->> 'passed')::boolean then
      failed := failed || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name,
        'is_canary', item.is_canary, 'message', app_private.gate_failure_text(report), 'report', report);
      -- A failed gate takes the slot: the wave never reaches past it to later workspaces.
      to_move := to_move - 1;
      continue;
    end if;
    if not p_dry_run then
      perform app_private.apply_transition(item.workspace_id, p_migration, p_from_stage + 1, 'active', 'advance',
        coalesce(nullif(btrim(p_reason), ''), 'Wave to ' || (report ->> 'target_stage_name')), report || jsonb_build_object('wave', true));
    end if;
    moved := moved || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name, 'is_canary', item.is_canary);
    to_move := to_move - 1;
  end loop;

  return jsonb_build_object('dry_run', p_dry_run, 'from_stage', p_from_stage, 'to_stage', p_from_stage + 1,
    'population', population, 'already_past', already, 'wanted', wanted,
    'moved', moved, 'failed', failed, 'skipped', skipped);
end
$$;

-- Emergency stop -------------------------------------------------------------------------------

-- Every workspace of the migration to stage 0 and paused, and the migration's
-- flags killed when flags exist, in one transaction: all or nothing.
create or replace function public.emergency_stop(p_migration uuid, p_reason text)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  item record;
  n int := 0;
begin
  perform app_private.require_role('operator', 'an emergency stop');
  if length(btrim(coalesce(p_reason, ''))) < 3 then
    raise exception 'An emergency stop needs a reason.' using errcode = 'P0001';
  end if;
  if not exists (select 1 from public.migrations where id = p_migration) then
    raise exception 'Unknown migration.' using errcode = 'P0001';
  end if;
  for item in
    select workspace_id from public.workspace_rollouts
     where migration_id = p_migration and (stage > 0 or status <> 'paused')
     order by workspace_id
     for update
  loop
    perform app_private.apply_transition(item.workspace_id, p_migration, 0, 'paused', 'emergency_stop', btrim(p_reason), null);
    n := n + 1;
  end loop;
  if to_regprocedure('public.kill_migration_flags(uuid,text)') is not null then
    execute 'select public.kill_migration_flags($1, $2)' using p_migration, 'Emergency stop: ' || btrim(p_reason);
  end if;
  return jsonb_build_object('ok', true, 'workspaces', n);
end
$$;

-- Grants ----------------------------------------------------------------------------------------

revoke all on function app_private.gate_report(uuid, uuid, int) from public;
revoke all on function app_private.gate_failure_text(jsonb) from public;
revoke all on function app_private.apply_transition(uuid, uuid, int, text, text, text, jsonb) from public;
revoke all on function app_private.require_role(text, text) from public;
revoke all on function app_private.lock_rollout(uuid, uuid, int, bigint) from public;
revoke all on function app_private.wave_rank_key(uuid, uuid) from public;
revoke all on function app_private.set_paused(uuid, uuid, boolean, text) from public;

revoke all on function public.evaluate_gate(uuid, uuid, int) from public;
revoke all on function public.advance_workspace(uuid, uuid, int, text, boolean, bigint) from public;
revoke all on function public.rollback_workspace(uuid, uuid, text, int, int, bigint) from public;
revoke all on function public.pause_workspace(uuid, uuid, text) from public;
revoke all on function public.resume_workspace(uuid, uuid, text) from public;
revoke all on function public.advance_wave(uuid, int, numeric, int, text, boolean) from public;
revoke all on function public.emergency_stop(uuid, text) from public;

grant execute on function public.evaluate_gate(uuid, uuid, int) to authenticated;
grant execute on function public.advance_workspace(uuid, uuid, int, text, boolean, bigint) to authenticated;
grant execute on function public.rollback_workspace(uuid, uuid, text, int, int, bigint) to authenticated;
grant execute on function public.pause_workspace(uuid, uuid, text) to authenticated;
grant execute on function public.resume_workspace(uuid, uuid, text) to authenticated;
grant execute on function public.advance_wave(uuid, int, numeric, int, text, boolean) to authenticated;
grant execute on function public.emergency_stop(uuid, text) to authenticated;

-- Stage definitions are edited by admins directly (RLS); every edit is audited.
create or replace function app_private.audit_stage_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  perform app_private.audit('stage.' || lower(tg_op), 'migration_stage',
    coalesce(new.migration_id, old.migration_id)::text || ':' || coalesce(new.position, old.position)::text,
    jsonb_build_object('before', case when tg_op <> 'INSERT' then to_jsonb(old) end,
                       'after', case when tg_op <> 'DELETE' then to_jsonb(new) end));
  return coalesce(new, old);
end
$$;
revoke all on function app_private.audit_stage_change() from public;

create trigger migration_stages_audit
  after insert or update or delete on public.migration_stages
  for each row execute function app_private.audit_stage_change();
