-- A rollout plan as people and services read it: its steps (done, current, next),
-- what the current step waits for, and the recent timeline.
-- requires: plans/clock.sql, plans/tick.sql, plans/wave.sql, tokens/ingest_tokens.sql

-- The live plan of a migration (or its latest finished one), as jsonb; null if none.
create or replace function app_private.plan_status(p_migration uuid)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  p public.rollout_plans;
  s public.rollout_plan_steps;
  t timestamptz := app_private.now();
  cohort uuid[];
  wv app_private.wave_versions;
  waits jsonb := '[]'::jsonb;
  reason text;
  below int;
  baking int;
  bake_left interval;
  steps jsonb;
begin
  select * into p from public.rollout_plans where migration_id = p_migration
   order by (state in ('draft', 'running', 'paused', 'halted')) desc, created_at desc limit 1;
  if not found then
    return null;
  end if;
  select * into s from public.rollout_plan_steps where plan_id = p.id and position = p.current_step;
  if found and p.state in ('running', 'paused', 'halted', 'draft') then
    -- The engine's cached wave order when it is current (a read: nothing is written
    -- here), else the cohort computed from scratch; both give the same workspaces.
    select * into wv from app_private.wave_versions where migration_id = p.migration_id;
    if found and wv.cached_version = wv.version then
      select array_agg(c.workspace_id) into cohort from app_private.plan_step_cohort(p.migration_id, s, wv.population) c;
    else
      select array_agg(c.workspace_id) into cohort from app_private.plan_cohort(p.migration_id, s) c;
    end if;
    cohort := coalesce(cohort, '{}');
    if p.state = 'paused' then waits := waits || to_jsonb('Paused by a person.'::text); end if;
    if p.state = 'halted' then waits := waits || to_jsonb(coalesce(p.halt_reason, 'Halted.')); end if;
    if p.state = 'draft' then waits := waits || to_jsonb('Not started.'::text); end if;
    reason := app_private.plan_wait_reason(p, s, t);
    if reason is not null then waits := waits || to_jsonb(reason); end if;
    select count(*) filter (where r.stage < s.target_stage),
           count(*) filter (where r.stage <= s.target_stage and r.entered_at > t - make_interval(mins => s.bake_minutes)),
           max(r.entered_at + make_interval(mins => s.bake_minutes)) filter (
             where r.stage <= s.target_stage and r.entered_at > t - make_interval(mins => s.bake_minutes)) - t
      into below, baking, bake_left
      from public.workspace_rollouts r
     where r.migration_id = p.migration_id and r.workspace_id = any (cohort) and r.status <> 'paused';
    if baking > 0 then
      waits := waits || to_jsonb(format('%s workspace(s) need more bake time (up to %s).', baking,
        case when bake_left >= interval '2 hours' then ceil(extract(epoch from bake_left) / 3600)::int || ' h'
             else ceil(extract(epoch from bake_left) / 60)::int || ' min' end));
    end if;
  end if;

  select coalesce(jsonb_agg(jsonb_build_object(
      'position', st.position, 'target_stage', st.target_stage, 'cohort_kind', st.cohort_kind,
      'cohort_percent', st.cohort_percent, 'cohort_tier', st.cohort_tier,
      'cohort_workspaces', coalesce(cardinality(st.cohort_workspaces), 0),
      'bake_minutes', st.bake_minutes, 'max_concurrent', st.max_concurrent, 'failure_policy', st.failure_policy,
      'approvals_required', st.approvals_required, 'approvals', app_private.plan_step_approvals(p.id, st.position),
      'started_at', st.started_at, 'finished_at', st.finished_at,
      'status', case when st.position < p.current_step then 'done'
                     when st.position = p.current_step and p.state not in ('done', 'aborted') then 'current'
                     when p.state = 'done' then 'done' else 'next' end)
    order by st.position), '[]'::jsonb)
    into steps from public.rollout_plan_steps st where st.plan_id = p.id;

  return jsonb_build_object(
    'id', p.id, 'name', p.name, 'state', p.state, 'author_email', p.author_email,
    'time_zone', p.time_zone, 'windows', p.windows, 'freezes', p.freezes, 'earliest_start', p.earliest_start,
    'current_step', p.current_step, 'halt_reason', p.halt_reason, 'steps', steps,
    'cohort_size', coalesce(cardinality(cohort), 0), 'below_target', coalesce(below, 0), 'waiting_for', waits,
    'events', (select coalesce(jsonb_agg(e order by e.id desc), '[]'::jsonb) from (
        select ev.id, ev.step, ev.kind, ev.message, ev.actor_email, ev.created_at,
               ev.details ->> 'workspace_id' as workspace_id
          from public.plan_events ev where ev.plan_id = p.id order by ev.id desc limit 50) e));
end
$$;

revoke all on function app_private.plan_status(uuid) from public, anon, authenticated, service_role;

-- The migration page's reader: members (viewer and up).
create or replace function public.rollout_plan_status(p_migration uuid)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform app_private.require_role('viewer', 'reading a rollout plan');
  return app_private.plan_status(p_migration);
end
$$;

revoke all on function public.rollout_plan_status(uuid) from public, anon, authenticated, service_role;
grant execute on function public.rollout_plan_status(uuid) to authenticated;

-- Services' reader (GET /api/v1/migrations/{key}/plan): an ingest token with
-- 'state:read' that is not limited to some workspaces (a plan spans them all).
-- Returns {status, body, message}; the timeline is left out.
create or replace function public.migration_plan_state(p_token_hash text, p_key text)
returns table (status int, body jsonb, message text)
language plpgsql stable security definer set search_path = ''
as $$
declare
  g record;
  mig uuid;
  st jsonb;
begin
  select * into g from app_private.read_grant(p_token_hash, 'state:read');
  if g.status <> 200 then
    return query select g.status, null::jsonb, g.message;
    return;
  end if;
  if g.workspace_ids is not null then
    return query select 403, null::jsonb, 'This token is limited to some workspaces; a plan spans the whole migration'::text;
    return;
  end if;
  select m.id into mig from public.migrations m where m.key = p_key;
  if mig is null then
    return query select 404, null::jsonb, format('No migration with key "%s"', p_key);
    return;
  end if;
  st := app_private.plan_status(mig);
  if st is null then
    return query select 404, null::jsonb, format('Migration "%s" has no rollout plan', p_key);
    return;
  end if;
  return query select 200, jsonb_build_object('migration', p_key, 'plan', st - 'events' - 'author_email'), null::text;
end
$$;

revoke all on function public.migration_plan_state(text, text) from public, anon, authenticated, service_role;
grant execute on function public.migration_plan_state(text, text) to service_role;

-- The overview's line per migration: its live plan (or latest finished one), the
-- state, step k of n and what the current step waits for. Reads no cohort, so it
-- costs the same at 10 000 workspaces as at 10 (bake time and moves in progress
-- are on the migration page, from plan_status).
create or replace function public.rollout_plan_overview()
returns table (migration_id uuid, plan_id uuid, name text, state text, current_step int, steps int,
               target_stage int, approvals_missing int, waiting text)
language plpgsql stable security definer set search_path = ''
as $$
declare
  t timestamptz := app_private.now();
begin
  perform app_private.require_role('viewer', 'reading rollout plans');
  return query
  select m.id, p.id, p.name, p.state, p.current_step,
         (select count(*)::int from public.rollout_plan_steps x where x.plan_id = p.id),
         s.target_stage,
         case when p.state in ('running', 'paused', 'halted') and s.plan_id is not null
              then greatest(s.approvals_required - app_private.plan_step_approvals(p.id, s.position), 0) else 0 end,
         case p.state
           when 'paused' then 'Paused by a person.'
           when 'halted' then coalesce(p.halt_reason, 'Halted.')
           when 'draft' then 'Not started.'
           when 'running' then case when s.plan_id is not null then app_private.plan_wait_reason(p, s, t) end
         end
    from public.migrations m
    cross join lateral (
      select * from public.rollout_plans q where q.migration_id = m.id
       order by (q.state in ('draft', 'running', 'paused', 'halted')) desc, q.created_at desc limit 1) p
    left join public.rollout_plan_steps s on s.plan_id = p.id and s.position = p.current_step;
end
$$;

revoke all on function public.rollout_plan_overview() from public, anon, authenticated, service_role;
grant execute on function public.rollout_plan_overview() to authenticated;

-- The workspace page's line per migration the workspace is in: whether the live plan
-- (draft, running, paused or halted) will move it and in which step, and whether it
-- is quarantined (paused by the plan) or holds the current step (its gate failed
-- under the hold policy). Cohort membership is decided as app_private.plan_cohort
-- decides it, from the workspace's own wave rank (one count per migration), not by
-- listing every step's cohort.
create or replace function public.workspace_plan_outlook(p_workspace uuid)
returns table (migration_id uuid, plan_id uuid, name text, state text, current_step int, steps int,
               approvals_missing int, move_step int, move_target int, quarantined boolean, holding boolean, paused boolean)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform app_private.require_role('viewer', 'reading rollout plans');
  return query
  with mine as (
    select r.migration_id, r.stage, r.status, w.tier, w.is_canary,
           app_private.wave_order_key(r.migration_id, r.workspace_id, w.is_canary) as k
      from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
     where r.workspace_id = p_workspace
  ), ranked as (
    select x.*,
           (select count(*) from public.workspace_rollouts r2 join public.workspaces w2 on w2.id = r2.workspace_id
             where r2.migration_id = x.migration_id
               and app_private.wave_order_key(r2.migration_id, r2.workspace_id, w2.is_canary) < x.k) + 1 as rank,
           (select count(*) from public.workspace_rollouts r3 where r3.migration_id = x.migration_id) as population
      from mine x
     where exists (select 1 from public.rollout_plans q
                    where q.migration_id = x.migration_id and q.state in ('draft', 'running', 'paused', 'halted'))
  )
  select x.migration_id, p.id, p.name, p.state, p.current_step,
         (select count(*)::int from public.rollout_plan_steps c where c.plan_id = p.id),
         (select greatest(cs.approvals_required - app_private.plan_step_approvals(p.id, cs.position), 0)
            from public.rollout_plan_steps cs where cs.plan_id = p.id and cs.position = p.current_step),
         nxt.position, nxt.target_stage,
         x.status = 'paused' and exists (
           select 1 from public.plan_events e where e.plan_id = p.id and e.kind = 'quarantined'
              and e.details ->> 'workspace_id' = p_workspace::text),
         x.status <> 'paused' and exists (
           select 1 from public.plan_events e
             join public.rollout_plan_steps cs on cs.plan_id = p.id and cs.position = p.current_step
            where e.plan_id = p.id and e.step = p.current_step and e.kind = 'gate_failed'
              and e.details ->> 'workspace_id' = p_workspace::text and x.stage < cs.target_stage),
         x.status = 'paused'
    from ranked x
    join public.rollout_plans p on p.migration_id = x.migration_id and p.state in ('draft', 'running', 'paused', 'halted')
    left join lateral (
      select s.position, s.target_stage from public.rollout_plan_steps s
       where s.plan_id = p.id and s.position >= p.current_step and x.stage < s.target_stage
         and case s.cohort_kind
               when 'canaries' then x.is_canary
               when 'tier' then x.tier = s.cohort_tier
               when 'workspaces' then p_workspace = any (s.cohort_workspaces)
               when 'percent' then x.rank <= ceil(x.population * s.cohort_percent / 100.0)
               else false
             end
       order by s.position limit 1) nxt on true;
end
$$;

revoke all on function public.workspace_plan_outlook(uuid) from public, anon, authenticated, service_role;
grant execute on function public.workspace_plan_outlook(uuid) to authenticated;
