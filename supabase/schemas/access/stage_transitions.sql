-- Who may read and write public.stage_transitions: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.stage_transitions from anon, authenticated, service_role;
grant select on public.stage_transitions to authenticated, service_role;

drop policy if exists stage_transitions_select on public.stage_transitions;
create policy stage_transitions_select on public.stage_transitions for select to authenticated
  using ((select app_private.has_role('viewer')));
