-- Audit completeness: every write path leaves exactly one audit record.
-- Rollout moves are logged in stage_transitions, flag changes in flag_changes
-- (+ audit_events), rules/channels/stages/alerts/tokens by their functions or
-- triggers. What admins could still change without a trace through RLS —
-- members, workspaces, migration plans and direct token deletion — is audited
-- here by row triggers. Additive only.
set lock_timeout = '5s';
set statement_timeout = '60s';

-- One audit event per changed row: '<table>.<insert|update|delete>' with the row
-- before and after. TG_ARGV[0] names the column that identifies the row; secret
-- columns (token_hash) are never copied into the log.
create or replace function app_private.audit_row_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  before_row jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) - 'token_hash' end;
  after_row jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) - 'token_hash' end;
  id_column text := coalesce(tg_argv[0], 'id');
begin
  -- An UPDATE that changes nothing is not a change worth a record.
  if tg_op = 'UPDATE' and before_row = after_row then
    return null;
  end if;
  perform app_private.audit(tg_table_name || '.' || lower(tg_op), tg_table_name,
    coalesce(after_row ->> id_column, before_row ->> id_column),
    jsonb_build_object('before', before_row, 'after', after_row));
  return null;
end
$$;
revoke all on function app_private.audit_row_change() from public;

create trigger members_audit after insert or update or delete on public.members
  for each row execute function app_private.audit_row_change('user_id');
create trigger workspaces_audit after insert or update or delete on public.workspaces
  for each row execute function app_private.audit_row_change('id');
create trigger migrations_audit after insert or update or delete on public.migrations
  for each row execute function app_private.audit_row_change('id');
-- Tokens are created and revoked through create_ingest_token / revoke_ingest_token,
-- which audit themselves (and ingest_token_lookup touches last_used_at on use);
-- deleting one directly under RLS was the path without a record.
create trigger ingest_tokens_audit_delete after delete on public.ingest_tokens
  for each row execute function app_private.audit_row_change('id');
