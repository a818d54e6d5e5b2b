-- Who may read and write public.plan_approvals: table privileges for the API roles, then RLS.
-- Members read; writes go only through the role-checked plan functions (plans/manage.sql,
-- plans/tick.sql), so there are no write grants and no write policies.
-- requires: common/roles.sql
revoke all on public.plan_approvals from anon, authenticated, service_role;
grant select on public.plan_approvals to authenticated, service_role;

drop policy if exists plan_approvals_select on public.plan_approvals;
create policy plan_approvals_select on public.plan_approvals for select to authenticated
  using ((select app_private.has_role('viewer')));
