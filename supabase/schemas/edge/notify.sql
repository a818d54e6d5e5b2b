-- Change notifications for the edge servers (scripts/edge.ts, lib/edge/).
-- Each trigger runs in the transaction that changes what the edge serves, takes
-- the next value of app_private.edge_state_version and queues a NOTIFY on the
-- channel 'rollout_edge', which Postgres delivers at commit (and never for a
-- rolled-back transaction). Payload: '<version>:<kind>:<id>', kind one of
--   ws         a workspace row, its rollouts or its flag overrides (id: workspace)
--   flags      feature flag definitions (statement level; id empty)
--   migrations migrations or their stages (statement level; id empty)
--   token      an ingest token (id: token)
-- The edge reloads just that part; a gap in versions makes it resync fully.

create or replace function app_private.edge_notify() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  v_version bigint := pg_catalog.nextval('app_private.edge_state_version');
  v_kind text;
  v_id text := '';
begin
  if tg_level = 'STATEMENT' then
    v_kind := case when tg_table_name = 'feature_flags' then 'flags' else 'migrations' end;
  elsif tg_table_name = 'ingest_tokens' then
    v_kind := 'token';
    v_id := (case when tg_op = 'DELETE' then old.id else new.id end)::text;
  elsif tg_table_name = 'workspaces' then
    v_kind := 'ws';
    v_id := (case when tg_op = 'DELETE' then old.id else new.id end)::text;
  else
    -- workspace_rollouts, flag_overrides
    v_kind := 'ws';
    v_id := (case when tg_op = 'DELETE' then old.workspace_id else new.workspace_id end)::text;
  end if;
  perform pg_catalog.pg_notify('rollout_edge', v_version::text || ':' || v_kind || ':' || v_id);
  return null;
end
$$;
revoke all on function app_private.edge_notify() from public, anon, authenticated, service_role;

-- The counter's current value, for the edge's missed-notification check. The edge
-- connects as the database owner (DATABASE_URL, like the worker): no API role may call it.
create or replace function app_private.edge_version() returns bigint
language sql stable security definer set search_path = ''
as $$
  select case when s.is_called then s.last_value else 0 end from app_private.edge_state_version s
$$;
revoke all on function app_private.edge_version() from public, anon, authenticated, service_role;

drop trigger if exists edge_notify on public.workspace_rollouts;
create trigger edge_notify after insert or update or delete on public.workspace_rollouts
  for each row execute function app_private.edge_notify();

drop trigger if exists edge_notify on public.flag_overrides;
create trigger edge_notify after insert or update or delete on public.flag_overrides
  for each row execute function app_private.edge_notify();

drop trigger if exists edge_notify on public.workspaces;
create trigger edge_notify after insert or update or delete on public.workspaces
  for each row execute function app_private.edge_notify();

-- Not on last_used_at (written once a minute per token by the Next API): only
-- what decides a request's answer.
drop trigger if exists edge_notify on public.ingest_tokens;
create trigger edge_notify after insert or delete on public.ingest_tokens
  for each row execute function app_private.edge_notify();
drop trigger if exists edge_notify_update on public.ingest_tokens;
create trigger edge_notify_update after update on public.ingest_tokens
  for each row
  when ((old.token_hash, old.workspace_ids, old.scopes, old.revoked_at) is distinct from (new.token_hash, new.workspace_ids, new.scopes, new.revoked_at))
  execute function app_private.edge_notify();

drop trigger if exists edge_notify on public.feature_flags;
create trigger edge_notify after insert or update or delete on public.feature_flags
  for each statement execute function app_private.edge_notify();

drop trigger if exists edge_notify on public.migrations;
create trigger edge_notify after insert or update or delete on public.migrations
  for each statement execute function app_private.edge_notify();

drop trigger if exists edge_notify on public.migration_stages;
create trigger edge_notify after insert or update or delete on public.migration_stages
  for each statement execute function app_private.edge_notify();
