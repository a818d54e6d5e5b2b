-- A rollout plan as people and services read it: its steps (done, current, next),
-- what the current step waits for, and the recent timeline.
-- requires: plans/clock.sql, plans/tick.sql, tokens/ingest_tokens.sql

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
    select array_agg(c.workspace_id) into cohort from app_private.plan_cohort(p.migration_id, s) c;
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
  select t.workspace_ids, t.scopes into g from public.ingest_token_lookup(p_token_hash) t limit 1;
  if not found then
    return query select 401, null::jsonb, 'Invalid or revoked token'::text;
    return;
  end if;
  if not ('state:read' = any (g.scopes)) then
    return query select 403, null::jsonb, 'This token lacks the ''state:read'' scope'::text;
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
