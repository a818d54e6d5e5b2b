-- Who may read and write public.migrations: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.migrations from anon, authenticated, service_role;
grant select on public.migrations to authenticated, service_role;
grant insert, update, delete on public.migrations to authenticated;

drop policy if exists migrations_select on public.migrations;
create policy migrations_select on public.migrations for select to authenticated
  using ((select app_private.has_role('viewer')));

drop policy if exists migrations_insert on public.migrations;
create policy migrations_insert on public.migrations for insert to authenticated
  with check ((select app_private.has_role('admin')));

drop policy if exists migrations_update on public.migrations;
create policy migrations_update on public.migrations for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));

drop policy if exists migrations_delete on public.migrations;
create policy migrations_delete on public.migrations for delete to authenticated
  using ((select app_private.has_role('admin')));
