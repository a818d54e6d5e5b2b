-- Who may read and write public.performance_alerts: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.performance_alerts from anon, authenticated, service_role;
grant select on public.performance_alerts to authenticated, service_role;

drop policy if exists performance_alerts_select on public.performance_alerts;
create policy performance_alerts_select on public.performance_alerts for select to authenticated
  using ((select app_private.has_role('viewer')));
