-- Who may read and write public.rollout_plans: table privileges for the API roles, then RLS.
-- Members read; writes go only through the role-checked plan functions (plans/manage.sql,
-- plans/tick.sql), so there are no write grants and no write policies.
-- requires: common/roles.sql
revoke all on public.rollout_plans from anon, authenticated, service_role;
grant select on public.rollout_plans to authenticated, service_role;

drop policy if exists rollout_plans_select on public.rollout_plans;
create policy rollout_plans_select on public.rollout_plans for select to authenticated
  using ((select app_private.has_role('viewer')));
