-- Emergency stop -------------------------------------------------------------------------------

-- Every workspace of the migration to stage 0 and paused, and the migration's
-- flags killed, in one transaction: all or nothing.
-- requires: common/roles.sql, rollouts/transition.sql, flags/kill_switch.sql
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
  perform public.kill_migration_flags(p_migration, 'Emergency stop: ' || btrim(p_reason));
  return jsonb_build_object('ok', true, 'workspaces', n);
end
$$;

grant execute on function public.emergency_stop(uuid, text) to authenticated;
