-- The plan engine: one tick.
--
-- public.run_plan_tick(p_plan) evaluates every running plan (or one) in one
-- transaction. Each plan row is locked `for update skip locked`, so two workers
-- never tick the same plan at once: the second skips it. A tick is idempotent:
-- run twice at the same moment, the second finds nothing more to do.
--
-- For the plan's current step:
--   1. An automatic rollback (stage_transitions kind auto_rollback) or an open
--      critical alert in the step's cohort since the step started halts the plan,
--      notifies (plan_halted) and nothing moves.
--   2. The step is done when every cohort workspace that is not paused is at or
--      past the target stage and has baked there for the step's bake time; the
--      plan goes on to the next step in the same tick (or is done).
--   3. Moves wait for the earliest start, freezes, the allowed windows and the
--      step's approvals (members other than the author).
--   4. Otherwise up to max_concurrent workspaces of the cohort below the target
--      that have baked at their stage move one stage, each through
--      app_private.advance_one (the stage gate). The transition's actor is the
--      system (null) with bulk = 'plan'; the plan's timeline records the plan, the
--      step and the transition. A failed gate follows the step's failure policy:
--      hold (wait, move nothing past it), quarantine (pause that workspace, go on)
--      or rollback_step (move this step's workspaces back and halt).
-- All time decisions read app_private.now() (plans/clock.sql).
-- requires: plans/clock.sql, plans/local_time.sql, plans/wave.sql, rollouts/advance.sql, rollouts/transition.sql, notifications/outbox.sql, audit/audit.sql

-- Halts a locked plan, records why and notifies.
create or replace function app_private.halt_plan(p public.rollout_plans, p_reason text, p_details jsonb)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  m public.migrations;
begin
  select * into m from public.migrations where id = p.migration_id;
  update public.rollout_plans
     set state = 'halted', halt_reason = p_reason, updated_at = now(), version = version + 1
   where id = p.id;
  perform app_private.plan_event(p.id, p.current_step, 'halted', p_reason, p_details);
  perform app_private.notify('plan_halted', jsonb_build_object(
    'plan', jsonb_build_object('id', p.id, 'name', p.name, 'step', p.current_step + 1),
    'migration', jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name),
    'reason', p_reason, 'details', p_details, 'at', now()));
end
$$;

revoke all on function app_private.halt_plan(public.rollout_plans, text, jsonb) from public, anon, authenticated, service_role;

-- Why a plan's step may not move at plan time t (null when it may): earliest start,
-- a freeze, outside the windows, or approvals still missing.
create or replace function app_private.plan_wait_reason(p public.rollout_plans, s public.rollout_plan_steps, t timestamptz)
returns text
language plpgsql stable security definer set search_path = ''
as $$
declare
  frz jsonb := app_private.plan_freeze_at(p.freezes, t);
  approvals int := app_private.plan_step_approvals(p.id, s.position);
begin
  if p.earliest_start is not null and t < p.earliest_start then
    return format('Waits for the earliest start, %s.', app_private.plan_local_time(p.earliest_start, p.time_zone));
  elsif frz is not null then
    return format('Frozen until %s: %s', app_private.plan_local_time((frz ->> 'to')::timestamptz, p.time_zone),
      coalesce(frz ->> 'reason', ''));
  elsif not app_private.plan_in_window(p.windows, p.time_zone, t) then
    return format('Outside the allowed windows; the next window opens %s.',
      coalesce(to_char(app_private.plan_next_window(p.windows, p.time_zone, t) at time zone p.time_zone, 'Dy HH24:MI') || ' ' || p.time_zone, 'never'));
  elsif approvals < s.approvals_required then
    return format('Awaiting %s approval(s).', s.approvals_required - approvals);
  end if;
  return null;
end
$$;

revoke all on function app_private.plan_wait_reason(public.rollout_plans, public.rollout_plan_steps, timestamptz) from public, anon, authenticated, service_role;

-- Step bookkeeping when a tick reaches a step that has not started: its start time,
-- the timeline, and the notifications (step started; approval needed).
create or replace function app_private.start_plan_step(
  p public.rollout_plans, s public.rollout_plan_steps, m public.migrations, p_steps int)
returns public.rollout_plans
language plpgsql security definer set search_path = ''
as $$
begin
  update public.rollout_plan_steps set started_at = now() where plan_id = p.id and position = s.position;
  update public.rollout_plans set step_started_at = now(), updated_at = now() where id = p.id
    returning * into p;
  perform app_private.plan_event(p.id, s.position, 'step_started',
    format('Step %s of %s started: %s to stage %s.', s.position + 1, p_steps,
      case s.cohort_kind when 'canaries' then 'canaries' when 'tier' then 'tier ' || s.cohort_tier
        when 'workspaces' then cardinality(s.cohort_workspaces) || ' named workspaces'
        else s.cohort_percent || ' %' end, s.target_stage));
  perform app_private.notify('plan_step_started', jsonb_build_object(
    'plan', jsonb_build_object('id', p.id, 'name', p.name, 'step', s.position + 1, 'steps', p_steps),
    'migration', jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name),
    'target_stage', s.target_stage, 'cohort', s.cohort_kind, 'at', now()));
  if s.approvals_required > app_private.plan_step_approvals(p.id, s.position) then
    perform app_private.plan_event(p.id, s.position, 'approval_needed',
      format('Step %s needs %s approval(s) from members other than the author.', s.position + 1, s.approvals_required));
    perform app_private.notify('plan_approval_needed', jsonb_build_object(
      'plan', jsonb_build_object('id', p.id, 'name', p.name, 'step', s.position + 1, 'steps', p_steps),
      'migration', jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name),
      'approvals_required', s.approvals_required, 'at', now()));
  end if;
  return p;
end
$$;

revoke all on function app_private.start_plan_step(public.rollout_plans, public.rollout_plan_steps, public.migrations, integer) from public, anon, authenticated, service_role;

-- 1. The halt check: the first automatic rollback, else the first open critical
-- alert, in the step's cohort since the step started; null when there is none.
create or replace function app_private.plan_halt_cause(
  p public.rollout_plans, s public.rollout_plan_steps, p_population int)
returns jsonb
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    (select jsonb_build_object('cause', 'auto_rollback', 'workspace_id', x.workspace_id, 'id', x.id)
       from public.stage_transitions x
      where x.migration_id = p.migration_id and x.kind = 'auto_rollback' and x.created_at >= s.started_at
        and exists (select 1 from app_private.plan_step_cohort(p.migration_id, s, p_population) c
                     where c.workspace_id = x.workspace_id)
      order by x.id limit 1),
    (select jsonb_build_object('cause', 'critical_alert', 'workspace_id', a.workspace_id, 'id', a.id)
       from public.performance_alerts a
      where a.migration_id = p.migration_id and a.state = 'open' and a.severity = 'critical'
        and a.last_breach_at >= s.started_at
        and exists (select 1 from app_private.plan_step_cohort(p.migration_id, s, p_population) c
                     where c.workspace_id = a.workspace_id)
      order by a.id limit 1))
$$;

revoke all on function app_private.plan_halt_cause(public.rollout_plans, public.rollout_plan_steps, integer) from public, anon, authenticated, service_role;

-- 2. The step-done check: is a cohort workspace that is not paused still below the
-- target stage, or at it and baking at plan time t? Walks the cohort from its end
-- of the wave order, where the workspaces still to move are.
create or replace function app_private.plan_step_pending(
  p public.rollout_plans, s public.rollout_plan_steps, p_population int, t timestamptz)
returns boolean
language sql stable security definer set search_path = ''
as $$
  select exists (
    select 1 from app_private.plan_step_cohort(p.migration_id, s, p_population) c
      join public.workspace_rollouts r0 on r0.workspace_id = c.workspace_id and r0.migration_id = p.migration_id
     where r0.status <> 'paused'
       and (r0.stage < s.target_stage
            or (r0.stage = s.target_stage and r0.entered_at > t - make_interval(mins => s.bake_minutes)))
     order by c.wave_rank desc limit 1)
$$;

revoke all on function app_private.plan_step_pending(public.rollout_plans, public.rollout_plan_steps, integer, timestamptz) from public, anon, authenticated, service_role;

-- Closes a step whose cohort is done and moves the plan to the next step.
create or replace function app_private.finish_plan_step(
  p public.rollout_plans, s public.rollout_plan_steps, m public.migrations, p_steps int, p_population int)
returns public.rollout_plans
language plpgsql security definer set search_path = ''
as $$
declare
  size int;
begin
  select count(*) into size from app_private.plan_step_cohort(p.migration_id, s, p_population);
  update public.rollout_plan_steps set finished_at = now() where plan_id = p.id and position = s.position;
  perform app_private.plan_event(p.id, s.position, 'step_finished',
    format('Step %s of %s finished: %s workspace(s) at stage %s or later.', s.position + 1, p_steps,
      size, s.target_stage));
  perform app_private.notify('plan_step_finished', jsonb_build_object(
    'plan', jsonb_build_object('id', p.id, 'name', p.name, 'step', s.position + 1, 'steps', p_steps),
    'migration', jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name),
    'target_stage', s.target_stage, 'workspaces', size, 'at', now()));
  update public.rollout_plans
     set current_step = current_step + 1, step_started_at = null, updated_at = now(), version = version + 1
   where id = p.id returning * into p;
  return p;
end
$$;

revoke all on function app_private.finish_plan_step(public.rollout_plans, public.rollout_plan_steps, public.migrations, integer, integer) from public, anon, authenticated, service_role;

-- The timeline entries of a tick's moves ([{message, details}], in order), in one insert.
create or replace function app_private.plan_moved_events(p_plan uuid, p_step int, p_events jsonb)
returns void
language sql security definer set search_path = ''
as $$
  insert into public.plan_events (plan_id, step, kind, message, details, actor, actor_email)
  select p_plan, p_step, 'moved', e.value ->> 'message', e.value -> 'details', (select auth.uid()), (select auth.email())
    from jsonb_array_elements(p_events) with ordinality e
   order by e.ordinality
$$;

revoke all on function app_private.plan_moved_events(uuid, integer, jsonb) from public, anon, authenticated, service_role;

-- 4. The moves of one tick: up to max_concurrent workspaces of the cohort below the
-- target that have baked at their stage move one stage, in wave order, each through
-- app_private.advance_one. Rows are locked as the walk reaches them; a row another
-- transaction holds is skipped (the next tick sees it), so the walk never waits and
-- never deadlocks with a wave. A failed gate follows the step's failure policy.
-- The moves' timeline entries are written together, before any other entry.
-- Returns {moved, halted}.
create or replace function app_private.plan_moves(
  p public.rollout_plans, s public.rollout_plan_steps, p_last int, p_steps int, p_population int, t timestamptz)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  item record;
  r public.workspace_rollouts;
  slug text;
  result jsonb;
  slots int := s.max_concurrent;
  moved int := 0;
  moved_events jsonb := '[]'::jsonb;
  tr public.stage_transitions;
  back record;
begin
  for item in
    select r0 as rollout, c.wave_rank
      from app_private.plan_step_cohort(p.migration_id, s, p_population) c
      join public.workspace_rollouts r0 on r0.workspace_id = c.workspace_id and r0.migration_id = p.migration_id
     where r0.stage < s.target_stage and r0.status <> 'paused'
       and r0.entered_at <= t - make_interval(mins => s.bake_minutes)
     order by c.wave_rank
     for update of r0 skip locked
  loop
    exit when slots <= 0;
    r := item.rollout;
    result := app_private.advance_one(r, p_last,
      format('Plan "%s", step %s of %s', p.name, s.position + 1, p_steps), false, false, 'plan');
    select w.slug into slug from public.workspaces w where w.id = r.workspace_id;
    if result ->> 'outcome' = 'moved' then
      slots := slots - 1;
      moved := moved + 1;
      moved_events := moved_events || jsonb_build_object(
        'message', format('%s moved to stage %s.', slug, result ->> 'to_stage'),
        'details', jsonb_build_object('workspace_id', r.workspace_id, 'from_stage', r.stage,
          'to_stage', (result ->> 'to_stage')::int, 'transition_id', (result ->> 'transition_id')::bigint,
          'plan', p.id, 'step', s.position));
    elsif result ->> 'outcome' = 'failed' then
      perform app_private.plan_moved_events(p.id, s.position, moved_events);
      moved_events := '[]'::jsonb;
      if s.failure_policy = 'quarantine' then
        tr := app_private.apply_transition(r.workspace_id, p.migration_id, r.stage, 'paused', 'pause',
          format('Quarantined by plan "%s", step %s: %s', p.name, s.position + 1, result ->> 'message'),
          (result -> 'report') || jsonb_build_object('plan', p.id, 'step', s.position));
        perform app_private.plan_event(p.id, s.position, 'quarantined', slug || ' quarantined: ' || (result ->> 'message'),
          jsonb_build_object('workspace_id', r.workspace_id, 'stage', r.stage, 'transition_id', tr.id));
      elsif s.failure_policy = 'rollback_step' then
        for back in
          select (e.details ->> 'workspace_id')::uuid as workspace_id, min((e.details ->> 'from_stage')::int) as to_stage
            from public.plan_events e
           where e.plan_id = p.id and e.step = s.position and e.kind = 'moved'
           group by 1 order by 1
        loop
          if exists (select 1 from public.workspace_rollouts
                      where workspace_id = back.workspace_id and migration_id = p.migration_id and stage > back.to_stage) then
            perform app_private.apply_transition(back.workspace_id, p.migration_id, back.to_stage, 'active', 'rollback',
              format('Step %s of plan "%s" rolled back: %s', s.position + 1, p.name, result ->> 'message'),
              jsonb_build_object('plan', p.id, 'step', s.position));
          end if;
        end loop;
        perform app_private.plan_event(p.id, s.position, 'step_rolled_back', result ->> 'message',
          jsonb_build_object('workspace_id', r.workspace_id));
        perform app_private.halt_plan(p, format('Step %s was rolled back after a failed gate.', s.position + 1),
          jsonb_build_object('cause', 'gate_failed', 'workspace_id', r.workspace_id, 'report', result -> 'report'));
        return jsonb_build_object('moved', moved, 'halted', true);
      else
        -- hold: the failing workspace takes the slot; nothing passes it this tick.
        perform app_private.plan_event(p.id, s.position, 'gate_failed', slug || ' holds the step: ' || (result ->> 'message'),
          jsonb_build_object('workspace_id', r.workspace_id, 'stage', r.stage), true);
        exit;
      end if;
    end if;
  end loop;
  perform app_private.plan_moved_events(p.id, s.position, moved_events);
  return jsonb_build_object('moved', moved, 'halted', false);
end
$$;

revoke all on function app_private.plan_moves(public.rollout_plans, public.rollout_plan_steps, integer, integer, integer, timestamptz) from public, anon, authenticated, service_role;

-- Carries out one locked plan: starts the current step if needed, then 1. halt
-- check, 2. step-done check (and on to the next step in the same tick), 3. wait
-- reason, 4. moves. Returns {plan, state, step, moved, waiting?}.
create or replace function app_private.tick_plan(p public.rollout_plans)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  s public.rollout_plan_steps;
  m public.migrations;
  t timestamptz := app_private.now();
  last int;
  steps int;
  population int;
  bad jsonb;
  waiting text;
  moves jsonb;
  guard int := 0;
begin
  select * into m from public.migrations where id = p.migration_id;
  last := app_private.last_stage(p.migration_id);
  select count(*) into steps from public.rollout_plan_steps where plan_id = p.id;
  population := app_private.refresh_wave_ranks(p.migration_id);

  loop
    guard := guard + 1;
    exit when guard > steps + 1;
    select * into s from public.rollout_plan_steps where plan_id = p.id and position = p.current_step;
    if not found then
      update public.rollout_plans set state = 'done', updated_at = now(), version = version + 1 where id = p.id;
      perform app_private.plan_event(p.id, null, 'done', 'All steps are done.');
      return jsonb_build_object('plan', p.id, 'state', 'done', 'step', p.current_step, 'moved', 0);
    end if;

    if s.started_at is null then
      p := app_private.start_plan_step(p, s, m, steps);
      select * into s from public.rollout_plan_steps where plan_id = p.id and position = s.position;
    end if;

    -- 1. Regressions halt the plan.
    bad := app_private.plan_halt_cause(p, s, population);
    if bad is not null then
      perform app_private.halt_plan(p,
        case bad ->> 'cause' when 'auto_rollback' then 'An automatic rollback in the cohort halted the plan.'
          else 'An open critical alert in the cohort halted the plan.' end,
        bad);
      return jsonb_build_object('plan', p.id, 'state', 'halted', 'step', s.position, 'moved', 0);
    end if;

    -- 2. Is the step done?
    if not app_private.plan_step_pending(p, s, population, t) then
      p := app_private.finish_plan_step(p, s, m, steps, population);
      continue;
    end if;

    -- 3. Time rules and approvals.
    waiting := app_private.plan_wait_reason(p, s, t);
    if waiting is not null then
      perform app_private.plan_event(p.id, s.position, 'waiting', waiting, '{}'::jsonb, true);
      return jsonb_build_object('plan', p.id, 'state', p.state, 'step', s.position, 'moved', 0, 'waiting', waiting);
    end if;

    -- 4. Moves.
    moves := app_private.plan_moves(p, s, last, steps, population, t);
    return jsonb_build_object('plan', p.id, 'state', case when (moves ->> 'halted')::boolean then 'halted' else p.state end,
      'step', s.position, 'moved', (moves ->> 'moved')::int);
  end loop;
  return jsonb_build_object('plan', p.id, 'state', p.state, 'step', p.current_step, 'moved', 0);
end
$$;

revoke all on function app_private.tick_plan(public.rollout_plans) from public, anon, authenticated, service_role;

-- One tick of every running plan, or of one plan. Plans another transaction is
-- ticking are skipped. The system (worker) and admins may run it.
-- Returns {plans: [{plan, state, step, moved, waiting?}], skipped}.
create or replace function public.run_plan_tick(p_plan uuid default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  p public.rollout_plans;
  results jsonb := '[]'::jsonb;
  considered int;
begin
  perform app_private.require_role('admin', 'running a plan tick', true);
  select count(*) into considered from public.rollout_plans
   where state = 'running' and (p_plan is null or id = p_plan);
  for p in
    select * from public.rollout_plans
     where state = 'running' and (p_plan is null or id = p_plan)
     order by id
     for update skip locked
  loop
    results := results || app_private.tick_plan(p);
  end loop;
  return jsonb_build_object('plans', results, 'skipped', considered - jsonb_array_length(results));
end
$$;

revoke all on function public.run_plan_tick(uuid) from public, anon, authenticated, service_role;
grant execute on function public.run_plan_tick(uuid) to authenticated, service_role;
