-- Called by the ingest endpoints right after a batch commits, for what it touched:
-- evaluates the guardrails, and asks the worker for a tick (plan_tick job, one
-- pending job per plan, so a flood of batches queues one) of every running plan
-- whose current step has one of the batch's workspaces in its cohort, not paused
-- and below the step's target: the batch may have made its gate pass.
-- requires: plans/manage.sql, plans/wave.sql
create or replace function public.after_telemetry_batch(p_workspace_ids uuid[], p_migration_ids uuid[])
returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if coalesce(cardinality(p_workspace_ids), 0) = 0 or cardinality(p_workspace_ids) > 5000 then
    return;
  end if;
  perform app_private.evaluate_guardrails(p_workspace_ids, p_migration_ids);
  perform app_private.request_plan_tick(p.id)
     from public.rollout_plans p
     join public.rollout_plan_steps s on s.plan_id = p.id and s.position = p.current_step
     left join app_private.wave_versions v on v.migration_id = p.migration_id
    where p.state = 'running' and p.migration_id = any (p_migration_ids)
      and exists (
        select 1 from public.workspace_rollouts r
         where r.migration_id = p.migration_id and r.workspace_id = any (p_workspace_ids)
           and r.status <> 'paused' and r.stage < s.target_stage
           -- in the step's cohort (by the cached wave order; when that is out of date, the tick decides)
           and (v.cached_version is distinct from v.version
                or exists (select 1 from app_private.plan_step_cohort(p.migration_id, s, v.population) c
                            where c.workspace_id = r.workspace_id)))
    order by p.id;
end
$$;
