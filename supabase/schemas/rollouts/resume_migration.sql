-- Resuming a migration after an emergency stop (admins only).
-- requires: common/roles.sql, rollouts/transition.sql, flags/changes.sql, audit/audit.sql, rollouts/emergency_stop.sql
--
-- A migration counts as stopped from its latest `emergency_stop` transition until
-- an audit event `migration.resume` for it is written after that stop. Resuming
-- un-pauses, at stage 0, every workspace the stop left there (whose latest
-- transition is still that stop), and lifts the kill switch of each flag the stop
-- switched off (its `kill` in flag_changes carries the stop's timestamp) that is
-- still killed. One transaction: the migration row is locked first, so two
-- admins resuming at once are serialised and the second is told it is not stopped.
create or replace function public.resume_migration(p_migration uuid, p_reason text)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  v_stop record;
  v_item record;
  v_flag public.feature_flags;
  v_new public.feature_flags;
  v_reason text := 'Migration resumed: ' || btrim(coalesce(p_reason, ''));
  v_workspaces int := 0;
  v_flags int := 0;
begin
  perform app_private.require_role('admin', 'resuming a stopped migration');
  if length(btrim(coalesce(p_reason, ''))) < 3 then
    raise exception 'Resuming a migration needs a reason.' using errcode = 'P0001';
  end if;
  perform 1 from public.migrations m where m.id = p_migration for update;
  if not found then
    raise exception 'Unknown migration.' using errcode = 'P0001';
  end if;
  select t.created_at, t.actor_email, t.reason into v_stop
    from public.stage_transitions t
   where t.migration_id = p_migration and t.kind = 'emergency_stop'
   order by t.created_at desc
   limit 1;
  if v_stop.created_at is null or exists (
    select 1 from public.audit_events e
     where e.action = 'migration.resume' and e.target_type = 'migration'
       and e.target_id = p_migration::text and e.created_at >= v_stop.created_at) then
    raise exception 'This migration is not stopped.' using errcode = 'P0001';
  end if;

  for v_item in
    select r.workspace_id from public.workspace_rollouts r
     where r.migration_id = p_migration and r.stage = 0 and r.status = 'paused'
       and (select t.kind from public.stage_transitions t
             where t.workspace_id = r.workspace_id and t.migration_id = p_migration
             order by t.created_at desc, t.id desc limit 1) = 'emergency_stop'
     order by r.workspace_id
     for update of r
  loop
    perform app_private.apply_transition(v_item.workspace_id, p_migration, 0, 'active', 'resume', v_reason, null);
    v_workspaces := v_workspaces + 1;
  end loop;

  for v_flag in
    select f.* from public.feature_flags f
     where f.migration_id = p_migration and f.killed
       and exists (select 1 from public.flag_changes c
                    where c.flag_id = f.id and c.action = 'kill' and c.created_at = v_stop.created_at)
     order by f.id
     for update
  loop
    update public.feature_flags x set killed = false, version = x.version + 1, updated_at = now()
     where x.id = v_flag.id returning * into v_new;
    perform app_private.record_flag_change(v_new.id, v_new.key, 'restore', null, v_reason,
      app_private.flag_snapshot(v_flag), app_private.flag_snapshot(v_new));
    v_flags := v_flags + 1;
  end loop;

  perform app_private.audit('migration.resume', 'migration', p_migration::text,
    jsonb_build_object('reason', btrim(p_reason), 'stopped_at', v_stop.created_at, 'stopped_by', v_stop.actor_email,
                       'stop_reason', v_stop.reason, 'workspaces', v_workspaces, 'flags_restored', v_flags));
  return jsonb_build_object('ok', true, 'workspaces', v_workspaces, 'flags', v_flags);
end
$$;
revoke all on function public.resume_migration(uuid, text) from public, anon, authenticated, service_role;
grant execute on function public.resume_migration(uuid, text) to authenticated;
