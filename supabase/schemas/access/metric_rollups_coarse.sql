-- Who may read and write public.metric_rollups_coarse: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.metric_rollups_coarse from anon, authenticated, service_role;
grant select on public.metric_rollups_coarse to authenticated, service_role;

drop policy if exists metric_rollups_coarse_select on public.metric_rollups_coarse;
create policy metric_rollups_coarse_select on public.metric_rollups_coarse for select to authenticated
  using ((select app_private.has_role('viewer')));
