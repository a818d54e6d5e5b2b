-- Who may read and write public.guardrail_rules: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.guardrail_rules from anon, authenticated, service_role;
grant select on public.guardrail_rules to authenticated, service_role;
grant insert, update, delete on public.guardrail_rules to authenticated;

drop policy if exists guardrail_rules_select on public.guardrail_rules;
create policy guardrail_rules_select on public.guardrail_rules for select to authenticated
  using ((select app_private.has_role('viewer')));

drop policy if exists guardrail_rules_insert on public.guardrail_rules;
create policy guardrail_rules_insert on public.guardrail_rules for insert to authenticated
  with check ((select app_private.has_role('admin')));

drop policy if exists guardrail_rules_update on public.guardrail_rules;
create policy guardrail_rules_update on public.guardrail_rules for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));

drop policy if exists guardrail_rules_delete on public.guardrail_rules;
create policy guardrail_rules_delete on public.guardrail_rules for delete to authenticated
  using ((select app_private.has_role('admin')));
