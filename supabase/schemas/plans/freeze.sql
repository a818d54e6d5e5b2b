-- A plan's freeze and the hand: a freeze stops every automatic move of the plan
-- (plans/tick.sql); by hand, during a freeze of a live plan (running, paused or
-- halted), only an admin may advance a workspace of that migration, and only with
-- a written reason. Rollbacks and pauses stay open to operators: a freeze never
-- stands in the way of making things safer.
-- Reads app_private.now() and app_private.plan_freeze_at (plans/clock.sql) when
-- it runs; it is called by the advances (rollouts/advance.sql), which plans/clock.sql
-- itself requires, so it names no file it would come after.
-- requires: common/roles.sql, plans/local_time.sql

-- Refuses a manual advance during a live plan's freeze unless the caller is an
-- admin who wrote a reason of at least 10 characters.
create or replace function app_private.require_freeze_override(p_migration uuid, p_reason text)
returns void
language plpgsql stable security definer set search_path = ''
as $$
declare
  p record;
begin
  select x.name, x.time_zone, x.freeze
    into p
    from (select pl.name, pl.time_zone, app_private.plan_freeze_at(pl.freezes, app_private.now()) as freeze
            from public.rollout_plans pl
           where pl.migration_id = p_migration
             and pl.state in ('running', 'paused', 'halted')) x
   where x.freeze is not null
   limit 1;
  if not found then
    return;
  end if;
  if not app_private.has_role('admin') or length(btrim(coalesce(p_reason, ''))) < 10 then
    raise exception 'Frozen until % by plan "%"%: only an admin may advance by hand now, with a written reason (at least 10 characters).',
      app_private.plan_local_time((p.freeze ->> 'to')::timestamptz, p.time_zone),
      p.name, coalesce(' (' || nullif(p.freeze ->> 'reason', '') || ')', '')
      using errcode = 'P0001';
  end if;
end
$$;

revoke all on function app_private.require_freeze_override(uuid, text) from public, anon, authenticated, service_role;
