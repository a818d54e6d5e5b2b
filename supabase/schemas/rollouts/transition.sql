-- The one write path ----------------------------------------------------------------

-- Moves a locked rollout and appends its transition. Callers have checked role,
-- staleness and rules; this only writes. Actor comes from the JWT claims (null = system).
create or replace function app_private.apply_transition(
  p_workspace uuid, p_migration uuid, p_to_stage int, p_status text, p_kind text, p_reason text, p_report jsonb)
returns public.stage_transitions
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  t public.stage_transitions;
begin
  select * into r from public.workspace_rollouts
   where workspace_id = p_workspace and migration_id = p_migration for update;
  update public.workspace_rollouts
     set stage = p_to_stage,
         status = p_status,
         entered_at = case when p_to_stage <> r.stage then now() else entered_at end,
         updated_at = now(),
         version = version + 1
   where workspace_id = p_workspace and migration_id = p_migration;
  insert into public.stage_transitions
    (workspace_id, migration_id, from_stage, to_stage, kind, status_after, actor, actor_email, reason, gate_report)
  values (p_workspace, p_migration, r.stage, p_to_stage, p_kind, p_status, auth.uid(), auth.email(), coalesce(p_reason, ''), p_report)
  returning * into t;
  return t;
end
$$;

-- Locks and returns the rollout, refusing unknown or stale ones.
create or replace function app_private.lock_rollout(p_workspace uuid, p_migration uuid, p_expected_stage int, p_expected_version bigint)
returns public.workspace_rollouts
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
begin
  select * into r from public.workspace_rollouts
   where workspace_id = p_workspace and migration_id = p_migration for update;
  if not found then
    raise exception 'This workspace is not enrolled in this migration.' using errcode = 'P0001';
  end if;
  if (p_expected_stage is not null and r.stage <> p_expected_stage)
     or (p_expected_version is not null and r.version <> p_expected_version) then
    raise exception 'Stale: the workspace is now at stage % (version %), not what you saw. Reload and try again.', r.stage, r.version
      using errcode = 'P0001';
  end if;
  return r;
end
$$;
