-- Who may read and write public.workspaces: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.workspaces from anon, authenticated, service_role;
grant select on public.workspaces to authenticated, service_role;
grant insert, update, delete on public.workspaces to authenticated;

drop policy if exists workspaces_select on public.workspaces;
create policy workspaces_select on public.workspaces for select to authenticated
  using ((select app_private.has_role('viewer')));

drop policy if exists workspaces_insert on public.workspaces;
create policy workspaces_insert on public.workspaces for insert to authenticated
  with check ((select app_private.has_role('admin')));

drop policy if exists workspaces_update on public.workspaces;
create policy workspaces_update on public.workspaces for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));

drop policy if exists workspaces_delete on public.workspaces;
create policy workspaces_delete on public.workspaces for delete to authenticated
  using ((select app_private.has_role('admin')));
