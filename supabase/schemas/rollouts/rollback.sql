-- Rollback --------------------------------------------------------------------------------

-- To any earlier stage (default: the previous one), with a reason.
create or replace function public.rollback_workspace(
  p_workspace uuid, p_migration uuid, p_reason text, p_to_stage int default null,
  p_expected_stage int default null, p_expected_version bigint default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  target int;
  t public.stage_transitions;
begin
  perform app_private.require_role('operator', 'rolling back a workspace');
  if length(btrim(coalesce(p_reason, ''))) < 3 then
    raise exception 'A rollback needs a reason.' using errcode = 'P0001';
  end if;
  r := app_private.lock_rollout(p_workspace, p_migration, p_expected_stage, p_expected_version);
  target := coalesce(p_to_stage, r.stage - 1);
  if r.stage = 0 then
    raise exception 'The workspace is already at stage 0; there is nothing to roll back.' using errcode = 'P0001';
  end if;
  if target < 0 or target >= r.stage then
    raise exception 'A rollback goes to an earlier stage (0 to %), not %.', r.stage - 1, target using errcode = 'P0001';
  end if;
  t := app_private.apply_transition(p_workspace, p_migration, target,
    case when r.status = 'paused' then 'paused' else 'rolled_back' end, 'rollback', btrim(p_reason), null);
  return jsonb_build_object('ok', true, 'transition_id', t.id, 'from_stage', t.from_stage, 'to_stage', t.to_stage, 'kind', t.kind);
end
$$;

grant execute on function public.rollback_workspace(uuid, uuid, text, integer, integer, bigint) to authenticated;
