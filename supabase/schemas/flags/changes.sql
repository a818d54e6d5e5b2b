-- The fields a history entry shows (no timestamps: they are on the entry).
create or replace function app_private.flag_snapshot(f public.feature_flags) returns jsonb
language sql immutable set search_path = ''
as $$
  select jsonb_build_object('key', f.key, 'description', f.description, 'migration_id', f.migration_id,
    'min_stage', f.min_stage, 'enabled', f.enabled, 'rollout_bps', f.rollout_bps, 'killed', f.killed, 'version', f.version)
$$;

create or replace function app_private.record_flag_change(
  p_flag_id uuid, p_flag_key text, p_action text, p_workspace uuid, p_reason text, p_before jsonb, p_after jsonb)
returns void
language sql security definer set search_path = ''
as $$
  insert into public.flag_changes (flag_id, flag_key, action, workspace_id, actor, actor_email, reason, before, after)
  values (p_flag_id, p_flag_key, p_action, p_workspace, (select auth.uid()), (select auth.email()),
          coalesce(p_reason, ''), p_before, p_after);
  select app_private.audit('flag.' || p_action, 'feature_flag', p_flag_id::text,
    jsonb_build_object('key', p_flag_key, 'workspace_id', p_workspace, 'reason', coalesce(p_reason, ''), 'before', p_before, 'after', p_after));
$$;
