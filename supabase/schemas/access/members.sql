-- Who may read and write public.members: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.members from anon, authenticated, service_role;
grant select on public.members to authenticated, service_role;
grant insert, update, delete on public.members to authenticated;

drop policy if exists members_select on public.members;
create policy members_select on public.members for select to authenticated
  using ((select app_private.has_role('viewer')));

drop policy if exists members_insert on public.members;
create policy members_insert on public.members for insert to authenticated
  with check ((select app_private.has_role('admin')));

drop policy if exists members_update on public.members;
create policy members_update on public.members for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));

drop policy if exists members_delete on public.members;
create policy members_delete on public.members for delete to authenticated
  using ((select app_private.has_role('admin')));
