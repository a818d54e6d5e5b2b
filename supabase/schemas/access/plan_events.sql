-- Who may read and write public.plan_events: table privileges for the API roles, then RLS.
-- Members read; writes go only through the role-checked plan functions (plans/manage.sql,
-- plans/tick.sql), so there are no write grants and no write policies.
-- requires: common/roles.sql, audit/append_only.sql
revoke all on public.plan_events from anon, authenticated, service_role;
grant select on public.plan_events to authenticated, service_role;

drop policy if exists plan_events_select on public.plan_events;
create policy plan_events_select on public.plan_events for select to authenticated
  using ((select app_private.has_role('viewer')));

drop trigger if exists plan_events_append_only on public.plan_events;
create trigger plan_events_append_only
  before update or delete on public.plan_events
  for each row execute function app_private.forbid_change();
