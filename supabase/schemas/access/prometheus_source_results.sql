-- Who may read public.prometheus_source_results: members read; only the worker writes
-- (app_private.store_prometheus_run), so there are no write grants and no write policies.
-- requires: common/roles.sql
revoke all on public.prometheus_source_results from anon, authenticated, service_role;
grant select on public.prometheus_source_results to authenticated, service_role;

drop policy if exists prometheus_source_results_select on public.prometheus_source_results;
create policy prometheus_source_results_select on public.prometheus_source_results for select to authenticated
  using ((select app_private.has_role('viewer')));
