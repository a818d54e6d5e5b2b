-- Who may read and write public.performance_metrics: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.performance_metrics from anon, authenticated, service_role;
grant select on public.performance_metrics to authenticated, service_role;

drop policy if exists performance_metrics_select on public.performance_metrics;
create policy performance_metrics_select on public.performance_metrics for select to authenticated
  using ((select app_private.has_role('viewer')));
