-- Pause / resume ---------------------------------------------------------------------------

-- One body for both directions: a pause or resume is a transition to the same stage.
create or replace function app_private.set_paused(p_workspace uuid, p_migration uuid, p_paused boolean, p_reason text)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  t public.stage_transitions;
begin
  perform app_private.require_role('operator', case when p_paused then 'pausing a workspace' else 'resuming a workspace' end);
  if length(btrim(coalesce(p_reason, ''))) < 3 then
    raise exception '% needs a reason.', case when p_paused then 'Pausing' else 'Resuming' end using errcode = 'P0001';
  end if;
  r := app_private.lock_rollout(p_workspace, p_migration, null, null);
  if (r.status = 'paused') = p_paused then
    raise exception '%', case when p_paused then 'The workspace is already paused.' else 'The workspace is not paused.' end
      using errcode = 'P0001';
  end if;
  t := app_private.apply_transition(p_workspace, p_migration, r.stage,
    case when p_paused then 'paused' else 'active' end, case when p_paused then 'pause' else 'resume' end, btrim(p_reason), null);
  return jsonb_build_object('ok', true, 'transition_id', t.id, 'to_stage', t.to_stage, 'kind', t.kind);
end
$$;

create or replace function public.pause_workspace(p_workspace uuid, p_migration uuid, p_reason text)
returns jsonb
language sql security definer set search_path = ''
as $$ select app_private.set_paused(p_workspace, p_migration, true, p_reason) $$;

grant execute on function public.pause_workspace(uuid, uuid, text) to authenticated;

create or replace function public.resume_workspace(p_workspace uuid, p_migration uuid, p_reason text)
returns jsonb
language sql security definer set search_path = ''
as $$ select app_private.set_paused(p_workspace, p_migration, false, p_reason) $$;

grant execute on function public.resume_workspace(uuid, uuid, text) to authenticated;
