-- Who may read and write public.rollout_plan_steps: table privileges for the API roles, then RLS.
-- Members read; writes go only through the role-checked plan functions (plans/manage.sql,
-- plans/tick.sql), so there are no write grants and no write policies.
-- requires: common/roles.sql
revoke all on public.rollout_plan_steps from anon, authenticated, service_role;
grant select on public.rollout_plan_steps to authenticated, service_role;

drop policy if exists rollout_plan_steps_select on public.rollout_plan_steps;
create policy rollout_plan_steps_select on public.rollout_plan_steps for select to authenticated
  using ((select app_private.has_role('viewer')));
