-- Kill switch for one flag: forces it off everywhere, whatever else is set.
create or replace function public.kill_feature_flag(p_id uuid, p_reason text)
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  n public.feature_flags;
begin
  perform app_private.require_role('operator', 'using the kill switch', true);
  if coalesce(btrim(p_reason), '') = '' then
    raise exception 'Say why you are killing the flag (a reason is required).';
  end if;
  f := app_private.lock_flag(p_id);
  if f.killed then
    return f;
  end if;
  update public.feature_flags x set killed = true, version = x.version + 1, updated_at = now()
   where x.id = p_id returning * into n;
  perform app_private.record_flag_change(n.id, n.key, 'kill', null, p_reason, app_private.flag_snapshot(f), app_private.flag_snapshot(n));
  return n;
end
$$;

grant execute on function public.kill_feature_flag(uuid, text) to authenticated, service_role;

create or replace function public.restore_feature_flag(p_id uuid, p_reason text default '')
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  n public.feature_flags;
begin
  perform app_private.require_role('operator', 'lifting a kill switch', true);
  f := app_private.lock_flag(p_id);
  if not f.killed then
    return f;
  end if;
  update public.feature_flags x set killed = false, version = x.version + 1, updated_at = now()
   where x.id = p_id returning * into n;
  perform app_private.record_flag_change(n.id, n.key, 'restore', null, p_reason, app_private.flag_snapshot(f), app_private.flag_snapshot(n));
  return n;
end
$$;

grant execute on function public.restore_feature_flag(uuid, text) to authenticated, service_role;

-- Kill switch for every flag of a migration, in one statement (so all or none).
-- Returns how many flags it killed (already killed ones are left as they are).
create or replace function public.kill_migration_flags(p_migration uuid, p_reason text)
returns int
language plpgsql security definer set search_path = ''
as $$
declare
  v_count int;
begin
  perform app_private.require_role('operator', 'using the kill switch', true);
  if coalesce(btrim(p_reason), '') = '' then
    raise exception 'Say why you are killing the flags (a reason is required).';
  end if;
  if not exists (select 1 from public.migrations m where m.id = p_migration) then
    raise exception 'That migration does not exist.';
  end if;
  with before as (
    select f.id, app_private.flag_snapshot(f) as snap
      from public.feature_flags f where f.migration_id = p_migration and not f.killed for update
  ), killed as (
    update public.feature_flags f set killed = true, version = f.version + 1, updated_at = now()
      from before b where f.id = b.id
    returning f.id, f.key, app_private.flag_snapshot(f) as snap
  ), logged as (
    insert into public.flag_changes (flag_id, flag_key, action, actor, actor_email, reason, before, after)
    select k.id, k.key, 'kill', (select auth.uid()), (select auth.email()), p_reason, b.snap, k.snap
      from killed k join before b on b.id = k.id
    returning 1
  )
  select count(*)::int into v_count from logged;
  perform app_private.audit('flag.kill_migration', 'migration', p_migration::text,
    jsonb_build_object('reason', p_reason, 'flags_killed', v_count));
  return v_count;
end
$$;

grant execute on function public.kill_migration_flags(uuid, text) to authenticated, service_role;

-- For guardrails: turn off every flag of a migration for one workspace (system
-- actor). Only service_role and other security-definer functions may call it.
create or replace function public.disable_migration_flags_for_workspace(p_migration uuid, p_workspace uuid, p_reason text)
returns int
language plpgsql security definer set search_path = ''
as $$
declare
  v_count int;
begin
  with prior as (
    select f.id, f.key, o.value as old_value
      from public.feature_flags f
      left join public.flag_overrides o on o.flag_id = f.id and o.workspace_id = p_workspace
     where f.migration_id = p_migration and o.value is distinct from false
  ), upserted as (
    insert into public.flag_overrides (flag_id, workspace_id, value, reason)
    select p.id, p_workspace, false, coalesce(p_reason, '') from prior p
    on conflict (flag_id, workspace_id) do update set value = false, reason = excluded.reason, created_by = null, created_at = now()
    returning flag_id
  ), logged as (
    insert into public.flag_changes (flag_id, flag_key, action, workspace_id, actor, actor_email, reason, before, after)
    select p.id, p.key, 'override', p_workspace, null, null, coalesce(p_reason, ''),
           case when p.old_value is null then null else jsonb_build_object('value', p.old_value) end,
           jsonb_build_object('value', false)
      from prior p join upserted u on u.flag_id = p.id
    returning 1
  )
  select count(*)::int into v_count from logged;
  return v_count;
end
$$;
