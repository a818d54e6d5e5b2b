create or replace function app_private.check_stage_link(p_migration uuid, p_min_stage int) returns void
language plpgsql stable security definer set search_path = ''
as $$
begin
  if (p_migration is null) <> (p_min_stage is null) then
    raise exception 'A stage link needs both a migration and a stage (or neither).';
  end if;
  if p_migration is not null and not exists (
    select 1 from public.migration_stages s where s.migration_id = p_migration and s.position = p_min_stage) then
    raise exception 'That migration has no stage %.', p_min_stage;
  end if;
end
$$;

create or replace function app_private.lock_flag(p_id uuid) returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
begin
  select * into f from public.feature_flags where id = p_id for update;
  if not found then
    raise exception 'That flag does not exist (it may have been deleted).';
  end if;
  return f;
end
$$;

-- Changes -----------------------------------------------------------------------
create or replace function public.create_feature_flag(
  p_key text, p_description text, p_migration uuid, p_min_stage int, p_rollout_bps int, p_reason text default '')
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
begin
  perform app_private.require_role('admin', 'creating a flag', true);
  if p_key is null or not app_private.is_identifier('flag_key', p_key) then
    raise exception 'A flag key is 1-100 characters: lowercase letters, digits, "_", "." or "-", starting with a letter or digit.';
  end if;
  if exists (select 1 from public.feature_flags x where x.key = p_key) then
    raise exception 'A flag with key "%" already exists.', p_key;
  end if;
  if p_rollout_bps is null or p_rollout_bps not between 0 and 10000 then
    raise exception 'The rollout must be between 0 %% and 100 %%.';
  end if;
  perform app_private.check_stage_link(p_migration, p_min_stage);
  -- Off by default: a new flag starts disabled whatever its percentage.
  insert into public.feature_flags (key, description, migration_id, min_stage, rollout_bps)
  values (p_key, coalesce(p_description, ''), p_migration, p_min_stage, p_rollout_bps)
  returning * into f;
  perform app_private.record_flag_change(f.id, f.key, 'create', null, p_reason, null, app_private.flag_snapshot(f));
  return f;
end
$$;

grant execute on function public.create_feature_flag(text, text, uuid, integer, integer, text) to authenticated, service_role;

-- Enable/disable and the percentage: operators. p_expected_version guards
-- against overwriting a change made since the editor loaded the flag.
create or replace function public.set_flag_rollout(
  p_id uuid, p_expected_version bigint, p_enabled boolean, p_rollout_bps int, p_reason text default '')
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  n public.feature_flags;
begin
  perform app_private.require_role('operator', 'changing a flag''s rollout', true);
  if p_rollout_bps is null or p_rollout_bps not between 0 and 10000 then
    raise exception 'The rollout must be between 0 %% and 100 %%.';
  end if;
  f := app_private.lock_flag(p_id);
  if p_expected_version is not null and f.version <> p_expected_version then
    raise exception 'Flag "%" was changed by someone else since you opened it. Reload and try again.', f.key;
  end if;
  if f.enabled = p_enabled and f.rollout_bps = p_rollout_bps then
    return f;
  end if;
  update public.feature_flags x set enabled = p_enabled, rollout_bps = p_rollout_bps, version = x.version + 1, updated_at = now()
   where x.id = p_id returning * into n;
  perform app_private.record_flag_change(n.id, n.key, 'rollout', null, p_reason, app_private.flag_snapshot(f), app_private.flag_snapshot(n));
  return n;
end
$$;

grant execute on function public.set_flag_rollout(uuid, bigint, boolean, integer, text) to authenticated, service_role;

-- Description and stage link: admins (they define what the flag means).
create or replace function public.update_flag_definition(
  p_id uuid, p_expected_version bigint, p_description text, p_migration uuid, p_min_stage int, p_reason text default '')
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  n public.feature_flags;
begin
  perform app_private.require_role('admin', 'changing a flag''s description or stage link', true);
  f := app_private.lock_flag(p_id);
  if p_expected_version is not null and f.version <> p_expected_version then
    raise exception 'Flag "%" was changed by someone else since you opened it. Reload and try again.', f.key;
  end if;
  perform app_private.check_stage_link(p_migration, p_min_stage);
  update public.feature_flags x set description = coalesce(p_description, ''), migration_id = p_migration, min_stage = p_min_stage,
         version = x.version + 1, updated_at = now()
   where x.id = p_id returning * into n;
  perform app_private.record_flag_change(n.id, n.key, 'definition', null, p_reason, app_private.flag_snapshot(f), app_private.flag_snapshot(n));
  return n;
end
$$;

grant execute on function public.update_flag_definition(uuid, bigint, text, uuid, integer, text) to authenticated, service_role;

create or replace function public.delete_feature_flag(p_id uuid, p_reason text default '')
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
begin
  perform app_private.require_role('admin', 'deleting a flag', true);
  f := app_private.lock_flag(p_id);
  delete from public.feature_flags x where x.id = p_id;
  perform app_private.record_flag_change(f.id, f.key, 'delete', null, p_reason, app_private.flag_snapshot(f), null);
end
$$;

grant execute on function public.delete_feature_flag(uuid, text) to authenticated, service_role;

-- Per-workspace override: operators (p_value null clears it).
create or replace function public.set_flag_override(p_flag uuid, p_workspace uuid, p_value boolean, p_reason text default '')
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  o public.flag_overrides;
begin
  perform app_private.require_role('operator', 'overriding a flag for a workspace', true);
  f := app_private.lock_flag(p_flag);
  if not exists (select 1 from public.workspaces w where w.id = p_workspace) then
    raise exception 'That workspace does not exist.';
  end if;
  select * into o from public.flag_overrides x where x.flag_id = p_flag and x.workspace_id = p_workspace;
  if p_value is null then
    if o.flag_id is null then
      return;
    end if;
    delete from public.flag_overrides x where x.flag_id = p_flag and x.workspace_id = p_workspace;
    perform app_private.record_flag_change(f.id, f.key, 'clear_override', p_workspace, p_reason,
      jsonb_build_object('value', o.value), null);
    return;
  end if;
  insert into public.flag_overrides (flag_id, workspace_id, value, reason, created_by)
  values (p_flag, p_workspace, p_value, coalesce(p_reason, ''), (select auth.uid()))
  on conflict (flag_id, workspace_id) do update set value = excluded.value, reason = excluded.reason,
    created_by = excluded.created_by, created_at = now();
  perform app_private.record_flag_change(f.id, f.key, 'override', p_workspace, p_reason,
    case when o.flag_id is null then null else jsonb_build_object('value', o.value) end, jsonb_build_object('value', p_value));
end
$$;

grant execute on function public.set_flag_override(uuid, uuid, boolean, text) to authenticated, service_role;
