-- Who may read and write public.feedback_tracking: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.feedback_tracking from anon, authenticated, service_role;
grant select on public.feedback_tracking to authenticated, service_role;

drop policy if exists feedback_tracking_select on public.feedback_tracking;
create policy feedback_tracking_select on public.feedback_tracking for select to authenticated
  using ((select app_private.has_role('viewer')));
