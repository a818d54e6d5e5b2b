-- Who may read and write public.feature_flags: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.feature_flags from anon, authenticated, service_role;
grant select on public.feature_flags to authenticated, service_role;

drop policy if exists feature_flags_select on public.feature_flags;
create policy feature_flags_select on public.feature_flags for select to authenticated
  using ((select app_private.has_role('viewer')));
