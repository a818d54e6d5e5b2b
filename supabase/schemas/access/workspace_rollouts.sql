-- Who may read and write public.workspace_rollouts: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.workspace_rollouts from anon, authenticated, service_role;
grant select on public.workspace_rollouts to authenticated, service_role;

drop policy if exists workspace_rollouts_select on public.workspace_rollouts;
create policy workspace_rollouts_select on public.workspace_rollouts for select to authenticated
  using ((select app_private.has_role('viewer')));
