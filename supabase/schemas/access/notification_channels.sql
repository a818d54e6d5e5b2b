-- Who may read and write public.notification_channels: table privileges for the API roles, then RLS.
-- requires: common/roles.sql
revoke all on public.notification_channels from anon, authenticated, service_role;
grant select on public.notification_channels to authenticated, service_role;
grant insert, update, delete on public.notification_channels to authenticated;

drop policy if exists notification_channels_select on public.notification_channels;
create policy notification_channels_select on public.notification_channels for select to authenticated
  using ((select app_private.has_role('admin')));

drop policy if exists notification_channels_insert on public.notification_channels;
create policy notification_channels_insert on public.notification_channels for insert to authenticated
  with check ((select app_private.has_role('admin')));

drop policy if exists notification_channels_update on public.notification_channels;
create policy notification_channels_update on public.notification_channels for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));

drop policy if exists notification_channels_delete on public.notification_channels;
create policy notification_channels_delete on public.notification_channels for delete to authenticated
  using ((select app_private.has_role('admin')));
