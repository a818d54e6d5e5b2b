-- Who may read and write public.audit_events: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.audit_events from anon, authenticated, service_role;
grant select on public.audit_events to authenticated, service_role;

drop policy if exists audit_events_select on public.audit_events;
create policy audit_events_select on public.audit_events for select to authenticated
  using ((select app_private.has_role('viewer')));
