-- Rollout plans: who may create, start, pause, resume, abort, skip and approve.
--
-- Admins create and start plans (from a template or from their own steps).
-- Operators and admins pause, resume, abort, skip a step and approve or reject a
-- step; an approver is never the plan's author. Every command checks the plan's
-- state it expects, writes the plan's timeline and the audit log, and asks the
-- worker for a tick (plan_tick job) when the plan may now move.
-- requires: plans/clock.sql, plans/tick.sql, audit/audit.sql

-- Templates from the background notes. Every step targets the last stage.
--   canary_percent: canaries, then 1 → 10 → 25 → 50 → 100 %, an hour of bake each,
--                   in business hours on weekdays, one approval before 100 %.
--   weekly: canaries, then 10 % (day 1), 25 % (day 3), 50 % (day 5), 100 % (day 7).
create or replace function app_private.plan_template(p_template text, p_last_stage int)
returns jsonb
language sql immutable set search_path = ''
as $$
  select case p_template
    when 'canary_percent' then jsonb_build_object(
      'windows', jsonb_build_array(jsonb_build_object('days', jsonb_build_array(1, 2, 3, 4, 5), 'from', '09:00', 'to', '17:00')),
      'steps', jsonb_build_array(
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'canaries', 'bake_minutes', 60, 'max_concurrent', 10, 'failure_policy', 'hold', 'approvals_required', 0),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 1, 'bake_minutes', 60, 'max_concurrent', 10, 'failure_policy', 'hold', 'approvals_required', 0),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 10, 'bake_minutes', 60, 'max_concurrent', 25, 'failure_policy', 'quarantine', 'approvals_required', 0),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 25, 'bake_minutes', 60, 'max_concurrent', 50, 'failure_policy', 'quarantine', 'approvals_required', 0),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 50, 'bake_minutes', 60, 'max_concurrent', 100, 'failure_policy', 'quarantine', 'approvals_required', 0),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 100, 'bake_minutes', 60, 'max_concurrent', 200, 'failure_policy', 'hold', 'approvals_required', 1)))
    when 'weekly' then jsonb_build_object(
      'windows', '[]'::jsonb,
      'steps', jsonb_build_array(
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'canaries', 'bake_minutes', 1440, 'max_concurrent', 10, 'failure_policy', 'hold', 'approvals_required', 0),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 10, 'bake_minutes', 2880, 'max_concurrent', 50, 'failure_policy', 'quarantine', 'approvals_required', 0),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 25, 'bake_minutes', 2880, 'max_concurrent', 100, 'failure_policy', 'quarantine', 'approvals_required', 0),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 50, 'bake_minutes', 2880, 'max_concurrent', 200, 'failure_policy', 'quarantine', 'approvals_required', 1),
        jsonb_build_object('target_stage', p_last_stage, 'cohort_kind', 'percent', 'cohort_percent', 100, 'bake_minutes', 0, 'max_concurrent', 500, 'failure_policy', 'hold', 'approvals_required', 1)))
  end
$$;

revoke all on function app_private.plan_template(text, integer) from public, anon, authenticated, service_role;

-- Asks the worker for a tick of one plan soon (one pending job per plan).
create or replace function app_private.request_plan_tick(p_plan uuid)
returns void
language plpgsql security definer set search_path = ''
as $$
begin
  perform graphile_worker.add_job('plan_tick', json_build_object('planId', p_plan),
    job_key := 'plan_tick:' || p_plan::text, max_attempts := 3);
end
$$;

revoke all on function app_private.request_plan_tick(uuid) from public, anon, authenticated, service_role;

-- Locks a plan and refuses an unknown one or one in an unexpected state.
create or replace function app_private.lock_plan(p_plan uuid, p_states text[], p_what text)
returns public.rollout_plans
language plpgsql security definer set search_path = ''
as $$
declare
  p public.rollout_plans;
begin
  select * into p from public.rollout_plans where id = p_plan for update;
  if not found then
    raise exception 'Unknown plan.' using errcode = 'P0002';
  end if;
  if not p.state = any (p_states) then
    raise exception 'Cannot % a plan that is %.', p_what, p.state using errcode = 'P0001';
  end if;
  return p;
end
$$;

revoke all on function app_private.lock_plan(uuid, text[], text) from public, anon, authenticated, service_role;

-- Creates a draft plan. p_steps: [{target_stage, cohort_kind, cohort_percent?, cohort_tier?,
-- cohort_workspaces?, bake_minutes?, max_concurrent?, failure_policy?, approvals_required?}].
create or replace function public.create_rollout_plan(
  p_migration uuid, p_name text, p_steps jsonb, p_time_zone text default 'UTC',
  p_windows jsonb default '[]'::jsonb, p_freezes jsonb default '[]'::jsonb,
  p_earliest_start timestamptz default null)
returns uuid
language plpgsql security definer set search_path = ''
as $$
declare
  last int;
  plan_id uuid;
  st jsonb;
  w jsonb;
  i int := 0;
  prev_percent numeric := 0;
begin
  perform app_private.require_role('admin', 'creating a rollout plan');
  last := app_private.last_stage(p_migration);
  if length(btrim(coalesce(p_name, ''))) = 0 or length(p_name) > 200 then
    raise exception 'A plan needs a name of 1 to 200 characters.' using errcode = 'P0001';
  end if;
  if not exists (select 1 from pg_catalog.pg_timezone_names where name = p_time_zone) then
    raise exception 'Unknown time zone: %.', p_time_zone using errcode = 'P0001';
  end if;
  if jsonb_typeof(p_steps) <> 'array' or jsonb_array_length(p_steps) = 0 or jsonb_array_length(p_steps) > 50 then
    raise exception 'A plan needs 1 to 50 steps.' using errcode = 'P0001';
  end if;
  if jsonb_typeof(coalesce(p_windows, 'null')) <> 'array' or jsonb_typeof(coalesce(p_freezes, 'null')) <> 'array' then
    raise exception 'Windows and freezes must be lists.' using errcode = 'P0001';
  end if;
  for w in select * from jsonb_array_elements(p_windows) loop
    if jsonb_typeof(w -> 'days') <> 'array' or jsonb_array_length(w -> 'days') = 0
       or exists (select 1 from jsonb_array_elements_text(w -> 'days') d where d !~ '^[1-7]$')
       or coalesce(w ->> 'from', '') !~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'
       or coalesce(w ->> 'to', '') !~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$'
       or (w ->> 'from')::time >= (w ->> 'to')::time then
      raise exception 'A window needs days 1 (Monday) to 7 and a from time before its to time (HH:MM): %.', w using errcode = 'P0001';
    end if;
  end loop;
  for w in select * from jsonb_array_elements(p_freezes) loop
    begin
      if (w ->> 'from')::timestamptz >= (w ->> 'to')::timestamptz then
        raise exception 'x';
      end if;
    exception when others then
      raise exception 'A freeze needs a from time before its to time: %.', w using errcode = 'P0001';
    end;
  end loop;

  insert into public.rollout_plans (migration_id, name, author, author_email, time_zone, windows, freezes, earliest_start)
  values (p_migration, btrim(p_name), (select auth.uid()), (select auth.email()), p_time_zone, p_windows, p_freezes, p_earliest_start)
  returning id into plan_id;

  for st in select * from jsonb_array_elements(p_steps) loop
    if coalesce((st ->> 'target_stage')::int, -1) not between 1 and last then
      raise exception 'Step %: the target stage must be between 1 and %.', i + 1, last using errcode = 'P0001';
    end if;
    if st ->> 'cohort_kind' = 'percent' then
      if (st ->> 'cohort_percent')::numeric < prev_percent then
        raise exception 'Step %: percentages only grow (% after %).', i + 1, st ->> 'cohort_percent', prev_percent using errcode = 'P0001';
      end if;
      prev_percent := (st ->> 'cohort_percent')::numeric;
    end if;
    begin
      insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, cohort_tier,
        cohort_workspaces, bake_minutes, max_concurrent, failure_policy, approvals_required)
      values (plan_id, i, (st ->> 'target_stage')::int, st ->> 'cohort_kind',
        case when st ->> 'cohort_kind' = 'percent' then (st ->> 'cohort_percent')::numeric end,
        case when st ->> 'cohort_kind' = 'tier' then st ->> 'cohort_tier' end,
        case when st ->> 'cohort_kind' = 'workspaces'
             then array(select x::uuid from jsonb_array_elements_text(st -> 'cohort_workspaces') x) end,
        coalesce((st ->> 'bake_minutes')::int, 0), coalesce((st ->> 'max_concurrent')::int, 10),
        coalesce(st ->> 'failure_policy', 'hold'), coalesce((st ->> 'approvals_required')::int, 0));
    exception when check_violation or not_null_violation or invalid_text_representation or numeric_value_out_of_range then
      raise exception 'Step %: invalid step (%).', i + 1, sqlerrm using errcode = 'P0001';
    end;
    i := i + 1;
  end loop;

  perform app_private.plan_event(plan_id, null, 'created', format('Plan "%s" created with %s step(s).', btrim(p_name), i));
  perform app_private.audit('plan.create', 'rollout_plan', plan_id::text,
    jsonb_build_object('migration_id', p_migration, 'name', btrim(p_name), 'steps', i));
  return plan_id;
exception when unique_violation then
  raise exception 'This migration already has a plan that is not finished; abort it first.' using errcode = 'P0001';
end
$$;

revoke all on function public.create_rollout_plan(uuid, text, jsonb, text, jsonb, jsonb, timestamptz) from public, anon, authenticated, service_role;
grant execute on function public.create_rollout_plan(uuid, text, jsonb, text, jsonb, jsonb, timestamptz) to authenticated;

-- Creates a draft plan from a template (see app_private.plan_template).
create or replace function public.create_rollout_plan_from_template(
  p_migration uuid, p_template text, p_time_zone text default 'UTC', p_name text default null)
returns uuid
language plpgsql security definer set search_path = ''
as $$
declare
  tpl jsonb;
begin
  perform app_private.require_role('admin', 'creating a rollout plan');
  tpl := app_private.plan_template(p_template, app_private.last_stage(p_migration));
  if tpl is null then
    raise exception 'Unknown template: % (canary_percent, weekly).', p_template using errcode = 'P0001';
  end if;
  return public.create_rollout_plan(p_migration,
    coalesce(nullif(btrim(p_name), ''), case p_template when 'weekly' then 'Weekly ramp' else 'Canaries, then 1 → 100 %' end),
    tpl -> 'steps', p_time_zone, tpl -> 'windows', '[]'::jsonb, null);
end
$$;

revoke all on function public.create_rollout_plan_from_template(uuid, text, text, text) from public, anon, authenticated, service_role;
grant execute on function public.create_rollout_plan_from_template(uuid, text, text, text) to authenticated;

-- Starts a draft plan.
create or replace function public.start_rollout_plan(p_plan uuid)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  p public.rollout_plans;
begin
  perform app_private.require_role('admin', 'starting a rollout plan');
  p := app_private.lock_plan(p_plan, array['draft'], 'start');
  update public.rollout_plans set state = 'running', updated_at = now(), version = version + 1 where id = p.id;
  perform app_private.plan_event(p.id, null, 'started', 'Plan started.');
  perform app_private.audit('plan.start', 'rollout_plan', p.id::text, '{}'::jsonb);
  perform app_private.request_plan_tick(p.id);
end
$$;

revoke all on function public.start_rollout_plan(uuid) from public, anon, authenticated, service_role;
grant execute on function public.start_rollout_plan(uuid) to authenticated;

-- Pause, resume or abort a plan: p_action in pause | resume | abort.
create or replace function public.set_rollout_plan_state(p_plan uuid, p_action text, p_reason text default '')
returns text
language plpgsql security definer set search_path = ''
as $$
declare
  p public.rollout_plans;
  new_state text;
begin
  perform app_private.require_role('operator', 'changing a rollout plan''s state');
  case p_action
    when 'pause' then p := app_private.lock_plan(p_plan, array['running'], 'pause'); new_state := 'paused';
    when 'resume' then p := app_private.lock_plan(p_plan, array['paused', 'halted'], 'resume'); new_state := 'running';
    when 'abort' then p := app_private.lock_plan(p_plan, array['draft', 'running', 'paused', 'halted'], 'abort'); new_state := 'aborted';
    else raise exception 'Unknown action: % (pause, resume, abort).', p_action using errcode = 'P0001';
  end case;
  if length(coalesce(p_reason, '')) > 2000 then
    raise exception 'The reason is limited to 2000 characters.' using errcode = 'P0001';
  end if;
  update public.rollout_plans
     set state = new_state, halt_reason = case when new_state = 'running' then null else halt_reason end,
         updated_at = now(), version = version + 1
   where id = p.id;
  perform app_private.plan_event(p.id, p.current_step,
    case p_action when 'pause' then 'paused' when 'resume' then 'resumed' else 'aborted' end,
    coalesce(nullif(btrim(p_reason), ''), initcap(p_action) || 'd.'));
  perform app_private.audit('plan.' || p_action, 'rollout_plan', p.id::text, jsonb_build_object('reason', p_reason, 'from', p.state));
  if new_state = 'running' then
    perform app_private.request_plan_tick(p.id);
  end if;
  return new_state;
end
$$;

revoke all on function public.set_rollout_plan_state(uuid, text, text) from public, anon, authenticated, service_role;
grant execute on function public.set_rollout_plan_state(uuid, text, text) to authenticated;

-- Skips the current step (the one the caller saw).
create or replace function public.skip_rollout_plan_step(p_plan uuid, p_expected_step int, p_reason text)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  p public.rollout_plans;
begin
  perform app_private.require_role('operator', 'skipping a plan step');
  p := app_private.lock_plan(p_plan, array['running', 'paused', 'halted'], 'skip a step of');
  if p.current_step <> p_expected_step then
    raise exception 'Stale: the plan is now at step %, not %.', p.current_step + 1, p_expected_step + 1 using errcode = 'P0001';
  end if;
  if length(btrim(coalesce(p_reason, ''))) < 5 then
    raise exception 'Skipping a step needs a reason (at least 5 characters).' using errcode = 'P0001';
  end if;
  update public.rollout_plan_steps set finished_at = now() where plan_id = p.id and position = p.current_step;
  update public.rollout_plans
     set current_step = current_step + 1, step_started_at = null, updated_at = now(), version = version + 1
   where id = p.id;
  perform app_private.plan_event(p.id, p.current_step, 'skipped', btrim(p_reason));
  perform app_private.audit('plan.skip_step', 'rollout_plan', p.id::text,
    jsonb_build_object('step', p.current_step, 'reason', p_reason));
  perform app_private.request_plan_tick(p.id);
end
$$;

revoke all on function public.skip_rollout_plan_step(uuid, integer, text) from public, anon, authenticated, service_role;
grant execute on function public.skip_rollout_plan_step(uuid, integer, text) to authenticated;

-- Approves or rejects a step (the current one or a later one). Never the author;
-- a rejection halts a running plan.
create or replace function public.decide_rollout_plan_step(p_plan uuid, p_step int, p_decision text, p_note text default '')
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  p public.rollout_plans;
begin
  perform app_private.require_role('operator', 'approving a plan step');
  if auth.uid() is null then
    raise exception 'Not allowed: approving a plan step needs a signed-in member.' using errcode = '42501';
  end if;
  if p_decision not in ('approve', 'reject') then
    raise exception 'A decision is approve or reject, not %.', p_decision using errcode = 'P0001';
  end if;
  if length(coalesce(p_note, '')) > 2000 then
    raise exception 'The note is limited to 2000 characters.' using errcode = 'P0001';
  end if;
  p := app_private.lock_plan(p_plan, array['draft', 'running', 'paused', 'halted'], 'decide on');
  if p.author = auth.uid() then
    raise exception 'Not allowed: the plan''s author cannot approve or reject its steps.' using errcode = '42501';
  end if;
  if not exists (select 1 from public.rollout_plan_steps where plan_id = p.id and position = p_step) then
    raise exception 'The plan has no step %.', p_step + 1 using errcode = 'P0001';
  end if;
  if p_step < p.current_step then
    raise exception 'Step % is already finished.', p_step + 1 using errcode = 'P0001';
  end if;
  insert into public.plan_approvals (plan_id, step, member, member_email, decision, note)
  values (p.id, p_step, auth.uid(), auth.email(), p_decision, coalesce(p_note, ''));
  perform app_private.plan_event(p.id, p_step, case p_decision when 'approve' then 'approved' else 'rejected' end,
    coalesce(nullif(btrim(p_note), ''), case p_decision when 'approve' then 'Approved.' else 'Rejected.' end));
  perform app_private.audit('plan.' || p_decision, 'rollout_plan', p.id::text, jsonb_build_object('step', p_step, 'note', p_note));
  if p_decision = 'reject' and p.state = 'running' then
    perform app_private.halt_plan(p, format('Step %s was rejected by %s.', p_step + 1, coalesce(auth.email(), 'a member')),
      jsonb_build_object('cause', 'rejected', 'note', p_note));
  elsif p.state = 'running' then
    perform app_private.request_plan_tick(p.id);
  end if;
end
$$;

revoke all on function public.decide_rollout_plan_step(uuid, integer, text, text) from public, anon, authenticated, service_role;
grant execute on function public.decide_rollout_plan_step(uuid, integer, text, text) to authenticated;
