-- Who may read and write public.prometheus_sources: table privileges for the API roles, then RLS.
-- Members read (a gate may cite a source's status); admins add, edit, disable and delete
-- (audited by audit/audit.sql). The worker writes the last-run columns as the owner.
-- requires: common/roles.sql
revoke all on public.prometheus_sources from anon, authenticated, service_role;
grant select on public.prometheus_sources to authenticated, service_role;
grant insert, update, delete on public.prometheus_sources to authenticated;

drop policy if exists prometheus_sources_select on public.prometheus_sources;
create policy prometheus_sources_select on public.prometheus_sources for select to authenticated
  using ((select app_private.has_role('viewer')));

drop policy if exists prometheus_sources_insert on public.prometheus_sources;
create policy prometheus_sources_insert on public.prometheus_sources for insert to authenticated
  with check ((select app_private.has_role('admin')));

drop policy if exists prometheus_sources_update on public.prometheus_sources;
create policy prometheus_sources_update on public.prometheus_sources for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));

drop policy if exists prometheus_sources_delete on public.prometheus_sources;
create policy prometheus_sources_delete on public.prometheus_sources for delete to authenticated
  using ((select app_private.has_role('admin')));
