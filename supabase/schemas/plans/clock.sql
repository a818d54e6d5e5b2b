-- The plan engine's clock and the small pieces it shares with the plan commands.
--
-- Every time decision of the engine (windows, freezes, earliest start, bake time)
-- reads app_private.now(). In production it is now(). A test shifts it for its own
-- transaction with set_config('rollout.clock_offset', '3 hours', true); nothing
-- else reads the setting.
-- requires: common/roles.sql, rollouts/advance.sql

create or replace function app_private.now()
returns timestamptz
language sql stable set search_path = ''
as $$
  select now() + coalesce(nullif(current_setting('rollout.clock_offset', true), ''), '0')::interval
$$;

revoke all on function app_private.now() from public, anon, authenticated, service_role;

-- Appends a timeline entry; with p_dedupe, not when the plan's last entry says the same.
create or replace function app_private.plan_event(
  p_plan uuid, p_step int, p_kind text, p_message text, p_details jsonb default '{}'::jsonb,
  p_dedupe boolean default false)
returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if p_dedupe and exists (
    select 1 from (select e.kind, e.message, e.step from public.plan_events e
                    where e.plan_id = p_plan order by e.id desc limit 1) last
     where last.kind = p_kind and last.message = p_message and last.step is not distinct from p_step) then
    return;
  end if;
  insert into public.plan_events (plan_id, step, kind, message, details, actor, actor_email)
  values (p_plan, p_step, p_kind, coalesce(p_message, ''), coalesce(p_details, '{}'::jsonb),
          (select auth.uid()), (select auth.email()));
end
$$;

revoke all on function app_private.plan_event(uuid, integer, text, text, jsonb, boolean) from public, anon, authenticated, service_role;

-- The workspaces a step covers, in wave order (canaries first, then the migration's
-- fixed hash order), so N % only ever adds workspaces as N grows.
create or replace function app_private.plan_cohort(p_migration uuid, s public.rollout_plan_steps)
returns table (workspace_id uuid, wave_rank bigint)
language sql stable security definer set search_path = ''
as $$
  with ordered as (
    select r.workspace_id, w.tier, w.is_canary,
           row_number() over (order by app_private.wave_order_key(p_migration, r.workspace_id, w.is_canary)) as rank,
           count(*) over () as population
      from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
     where r.migration_id = p_migration
  )
  select o.workspace_id, o.rank from ordered o
   where case s.cohort_kind
           when 'canaries' then o.is_canary
           when 'tier' then o.tier = s.cohort_tier
           when 'workspaces' then o.workspace_id = any (s.cohort_workspaces)
           when 'percent' then o.rank <= ceil(o.population * s.cohort_percent / 100.0)
           else false
         end
$$;

revoke all on function app_private.plan_cohort(uuid, public.rollout_plan_steps) from public, anon, authenticated, service_role;

-- Is plan time t inside one of the windows (local time in p_tz)? No windows = always.
create or replace function app_private.plan_in_window(p_windows jsonb, p_tz text, t timestamptz)
returns boolean
language sql stable set search_path = ''
as $$
  select jsonb_array_length(p_windows) = 0 or exists (
    select 1 from jsonb_array_elements(p_windows) w
     where extract(isodow from (t at time zone p_tz))::int
             in (select d::int from jsonb_array_elements_text(w -> 'days') d)
       and (t at time zone p_tz)::time >= (w ->> 'from')::time
       and (t at time zone p_tz)::time < (w ->> 'to')::time)
$$;

revoke all on function app_private.plan_in_window(jsonb, text, timestamptz) from public, anon, authenticated, service_role;

-- When the next window opens after t (plan time), within two weeks; null if never.
create or replace function app_private.plan_next_window(p_windows jsonb, p_tz text, t timestamptz)
returns timestamptz
language sql stable set search_path = ''
as $$
  select min(((day + (w ->> 'from')::time) at time zone p_tz))
    from jsonb_array_elements(p_windows) w,
         generate_series(date_trunc('day', t at time zone p_tz), date_trunc('day', t at time zone p_tz) + interval '14 days', interval '1 day') day
   where extract(isodow from day)::int in (select d::int from jsonb_array_elements_text(w -> 'days') d)
     and ((day + (w ->> 'from')::time) at time zone p_tz) > t
$$;

revoke all on function app_private.plan_next_window(jsonb, text, timestamptz) from public, anon, authenticated, service_role;

-- The freeze covering plan time t, if any.
create or replace function app_private.plan_freeze_at(p_freezes jsonb, t timestamptz)
returns jsonb
language sql stable set search_path = ''
as $$
  select f from jsonb_array_elements(p_freezes) f
   where t >= (f ->> 'from')::timestamptz and t < (f ->> 'to')::timestamptz
   order by (f ->> 'to')::timestamptz desc limit 1
$$;

revoke all on function app_private.plan_freeze_at(jsonb, timestamptz) from public, anon, authenticated, service_role;

-- Approvals of a step that count: each member's latest decision, never the author's.
create or replace function app_private.plan_step_approvals(p_plan uuid, p_step int)
returns int
language sql stable security definer set search_path = ''
as $$
  select count(*)::int from (
    select distinct on (a.member) a.decision
      from public.plan_approvals a join public.rollout_plans p on p.id = a.plan_id
     where a.plan_id = p_plan and a.step = p_step and a.member is distinct from p.author
     order by a.member, a.id desc) latest
   where latest.decision = 'approve'
$$;

revoke all on function app_private.plan_step_approvals(uuid, integer) from public, anon, authenticated, service_role;
