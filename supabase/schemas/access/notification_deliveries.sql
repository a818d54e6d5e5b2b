-- Who may read and write public.notification_deliveries: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.notification_deliveries from anon, authenticated, service_role;
grant select on public.notification_deliveries to authenticated, service_role;

drop policy if exists notification_deliveries_select on public.notification_deliveries;
create policy notification_deliveries_select on public.notification_deliveries for select to authenticated
  using ((select app_private.has_role('operator')));
