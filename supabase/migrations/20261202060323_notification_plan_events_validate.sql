-- Validates the widened notification-event check added NOT VALID by the previous migration.
set lock_timeout = '5s';
set statement_timeout = '60s';
alter table public.notification_channels validate constraint notification_channels_events_check;
