-- The edge servers' version counter: every change to what they serve (rollouts,
-- flags, overrides, migrations, workspaces, tokens) takes the next value in the
-- transaction that makes it and sends it in its NOTIFY (supabase/schemas/edge/notify.sql).
-- An edge that sees the counter move past the last value it was told about
-- knows it missed a notification and resyncs.
set lock_timeout = '5s';
set statement_timeout = '60s';

create sequence if not exists app_private.edge_state_version as bigint;
revoke all on sequence app_private.edge_state_version from public;
