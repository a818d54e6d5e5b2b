-- Who may read and write public.migration_stages: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.migration_stages from anon, authenticated, service_role;
grant select on public.migration_stages to authenticated, service_role;
grant insert, update, delete on public.migration_stages to authenticated;

drop policy if exists migration_stages_select on public.migration_stages;
create policy migration_stages_select on public.migration_stages for select to authenticated
  using ((select app_private.has_role('viewer')));

drop policy if exists migration_stages_insert on public.migration_stages;
create policy migration_stages_insert on public.migration_stages for insert to authenticated
  with check ((select app_private.has_role('admin')));

drop policy if exists migration_stages_update on public.migration_stages;
create policy migration_stages_update on public.migration_stages for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));

drop policy if exists migration_stages_delete on public.migration_stages;
create policy migration_stages_delete on public.migration_stages for delete to authenticated
  using ((select app_private.has_role('admin')));
