-- Who may read and write public.flag_changes: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.flag_changes from anon, authenticated, service_role;
grant select on public.flag_changes to authenticated, service_role;

drop policy if exists flag_changes_select on public.flag_changes;
create policy flag_changes_select on public.flag_changes for select to authenticated
  using ((select app_private.has_role('viewer')));
