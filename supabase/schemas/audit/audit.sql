-- The audit log: every write path leaves exactly one record naming its actor.
-- Rollout moves are recorded in stage_transitions, flag changes in flag_changes;
-- everything else in audit_events, through app_private.audit (functions) or the
-- one row trigger below (tables that admins edit directly under RLS).

-- Records an audit event on behalf of the caller.
create or replace function app_private.audit(p_action text, p_target_type text, p_target_id text, p_details jsonb)
returns void
language sql security definer set search_path = ''
as $$
  insert into public.audit_events (actor, actor_email, action, target_type, target_id, details)
  values ((select auth.uid()), (select auth.email()), p_action, p_target_type, p_target_id, coalesce(p_details, '{}'::jsonb))
$$;

-- Secret-bearing columns never reach the audit log.
create or replace function app_private.audit_redact(p_row jsonb)
returns jsonb
language sql immutable set search_path = ''
as $$
  select p_row - 'token_hash' - 'secret'
$$;

-- The one audit trigger. Arguments, all optional:
--   0: the id column(s), comma-separated and joined with ':' (default 'id');
--   1: the action prefix (default the table name): action = '<prefix>.<insert|update|delete>';
--   2: the target type (default the table name).
-- An UPDATE that changes nothing is not a change worth a record.
create or replace function app_private.audit_row_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  before_row jsonb := case when tg_op <> 'INSERT' then app_private.audit_redact(to_jsonb(old)) end;
  after_row jsonb := case when tg_op <> 'DELETE' then app_private.audit_redact(to_jsonb(new)) end;
  id_columns text[] := string_to_array(coalesce(tg_argv[0], 'id'), ',');
  target_id text;
begin
  if tg_op = 'UPDATE' and before_row = after_row then
    return null;
  end if;
  select string_agg(coalesce(after_row, before_row) ->> c, ':' order by ord) into target_id
    from unnest(id_columns) with ordinality as u(c, ord);
  perform app_private.audit(coalesce(tg_argv[1], tg_table_name) || '.' || lower(tg_op),
    coalesce(tg_argv[2], tg_table_name), target_id,
    jsonb_build_object('before', before_row, 'after', after_row));
  return null;
end
$$;

drop trigger if exists members_audit on public.members;
create trigger members_audit after insert or update or delete on public.members
  for each row execute function app_private.audit_row_change('user_id');
drop trigger if exists workspaces_audit on public.workspaces;
create trigger workspaces_audit after insert or update or delete on public.workspaces
  for each row execute function app_private.audit_row_change('id');
drop trigger if exists migrations_audit on public.migrations;
create trigger migrations_audit after insert or update or delete on public.migrations
  for each row execute function app_private.audit_row_change('id');
drop trigger if exists migration_stages_audit on public.migration_stages;
create trigger migration_stages_audit after insert or update or delete on public.migration_stages
  for each row execute function app_private.audit_row_change('migration_id,position', 'stage', 'migration_stage');
drop trigger if exists guardrail_rules_audit on public.guardrail_rules;
create trigger guardrail_rules_audit after insert or update or delete on public.guardrail_rules
  for each row execute function app_private.audit_row_change('id');
drop trigger if exists notification_channels_audit on public.notification_channels;
create trigger notification_channels_audit after insert or update or delete on public.notification_channels
  for each row execute function app_private.audit_row_change('id');
-- Prometheus sources: what admins change is audited; the worker's last-run columns are not.
drop trigger if exists prometheus_sources_audit on public.prometheus_sources;
create trigger prometheus_sources_audit
  after insert or delete or update of migration_id, name, base_url, query, metric, window_seconds, interval_seconds, enabled
  on public.prometheus_sources
  for each row execute function app_private.audit_row_change('id', 'prometheus_source', 'prometheus_source');
-- Tokens are created and revoked through create_ingest_token / revoke_ingest_token,
-- which audit themselves; a direct delete (admins, under RLS) is audited here.
drop trigger if exists ingest_tokens_audit_delete on public.ingest_tokens;
create trigger ingest_tokens_audit_delete after delete on public.ingest_tokens
  for each row execute function app_private.audit_row_change('id');

-- Replaced by audit_row_change (0.1.0 had one trigger function per table group).
drop function if exists app_private.audit_stage_change();
drop function if exists app_private.audit_config_change();
