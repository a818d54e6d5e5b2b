-- Who may read and write public.metric_rollups: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.metric_rollups from anon, authenticated, service_role;
grant select on public.metric_rollups to authenticated, service_role;

drop policy if exists metric_rollups_select on public.metric_rollups;
create policy metric_rollups_select on public.metric_rollups for select to authenticated
  using ((select app_private.has_role('viewer')));
