-- Who may read and write public.ingest_tokens: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.ingest_tokens from anon, authenticated, service_role;
grant select on public.ingest_tokens to authenticated, service_role;
grant insert, update, delete on public.ingest_tokens to authenticated;

drop policy if exists ingest_tokens_select on public.ingest_tokens;
create policy ingest_tokens_select on public.ingest_tokens for select to authenticated
  using ((select app_private.has_role('admin')));

drop policy if exists ingest_tokens_insert on public.ingest_tokens;
create policy ingest_tokens_insert on public.ingest_tokens for insert to authenticated
  with check ((select app_private.has_role('admin')));

drop policy if exists ingest_tokens_update on public.ingest_tokens;
create policy ingest_tokens_update on public.ingest_tokens for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));

drop policy if exists ingest_tokens_delete on public.ingest_tokens;
create policy ingest_tokens_delete on public.ingest_tokens for delete to authenticated
  using ((select app_private.has_role('admin')));
