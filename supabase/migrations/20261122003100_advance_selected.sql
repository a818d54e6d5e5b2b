-- Advancing hand-picked workspaces (selected in the migration page's table): each
-- moves one stage forward from where it is, behind its gate, in one transaction.
-- Same report shape as advance_wave; with p_dry_run it is the preview.
set lock_timeout = '5s';
set statement_timeout = '60s';

create or replace function public.advance_selected(
  p_migration uuid, p_workspaces uuid[], p_reason text default '', p_dry_run boolean default false)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  item record;
  report jsonb;
  last_stage int;
  moved jsonb := '[]'::jsonb;
  failed jsonb := '[]'::jsonb;
  skipped jsonb := '[]'::jsonb;
begin
  if p_dry_run then
    perform app_private.require_role('viewer', 'previewing an advance');
  else
    perform app_private.require_role('operator', 'advancing workspaces');
  end if;
  if coalesce(cardinality(p_workspaces), 0) = 0 then
    raise exception 'Select at least one workspace.' using errcode = 'P0001';
  end if;
  if cardinality(p_workspaces) > 1000 then
    raise exception 'Select at most 1000 workspaces at a time (got %).', cardinality(p_workspaces) using errcode = 'P0001';
  end if;
  select max(position) into last_stage from public.migration_stages where migration_id = p_migration;
  if last_stage is null then
    raise exception 'Unknown migration.' using errcode = 'P0001';
  end if;

  perform 1 from public.workspace_rollouts
   where migration_id = p_migration and workspace_id = any (p_workspaces)
   order by workspace_id for update;

  for item in
    select s.id as workspace_id, w.slug, w.name, w.is_canary, r.stage, r.status
      from unnest(p_workspaces) as s(id)
      left join public.workspaces w on w.id = s.id
      left join public.workspace_rollouts r on r.workspace_id = s.id and r.migration_id = p_migration
     order by w.is_canary desc nulls last, app_private.wave_rank_key(p_migration, s.id)
  loop
    if item.stage is null then
      skipped := skipped || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name, 'reason', 'not enrolled');
    elsif item.status = 'paused' then
      skipped := skipped || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name, 'reason', 'paused');
    elsif item.stage >= last_stage then
      skipped := skipped || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name, 'reason', 'at the last stage');
    else
      report := app_private.gate_report(item.workspace_id, p_migration, item.stage + 1);
      if not (report ->> 'passed')::boolean then
        failed := failed || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name,
          'is_canary', item.is_canary, 'message', app_private.gate_failure_text(report), 'report', report);
      else
        if not p_dry_run then
          perform app_private.apply_transition(item.workspace_id, p_migration, item.stage + 1, 'active', 'advance',
            coalesce(nullif(btrim(p_reason), ''), 'Selected for advance to ' || (report ->> 'target_stage_name')),
            report || jsonb_build_object('selected', true));
        end if;
        moved := moved || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name,
          'is_canary', item.is_canary, 'from_stage', item.stage, 'to_stage', item.stage + 1);
      end if;
    end if;
  end loop;

  return jsonb_build_object('dry_run', p_dry_run, 'moved', moved, 'failed', failed, 'skipped', skipped);
end
$$;

revoke all on function public.advance_selected(uuid, uuid[], text, boolean) from public;
grant execute on function public.advance_selected(uuid, uuid[], text, boolean) to authenticated;
