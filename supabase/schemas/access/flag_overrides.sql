-- Who may read and write public.flag_overrides: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.flag_overrides from anon, authenticated, service_role;
grant select on public.flag_overrides to authenticated, service_role;

drop policy if exists flag_overrides_select on public.flag_overrides;
create policy flag_overrides_select on public.flag_overrides for select to authenticated
  using ((select app_private.has_role('viewer')));
