create or replace function app_private.forbid_change() returns trigger
language plpgsql set search_path = ''
as $$
begin
  raise exception '% is append-only: % is not allowed', tg_table_name, tg_op
    using errcode = 'insufficient_privilege';
end
$$;

drop trigger if exists stage_transitions_append_only on public.stage_transitions;
create trigger stage_transitions_append_only
  before update or delete on public.stage_transitions
  for each row execute function app_private.forbid_change();

drop trigger if exists stage_transitions_no_truncate on public.stage_transitions;
create trigger stage_transitions_no_truncate
  before truncate on public.stage_transitions
  for each statement execute function app_private.forbid_change();

drop trigger if exists audit_events_append_only on public.audit_events;
create trigger audit_events_append_only
  before update or delete on public.audit_events
  for each row execute function app_private.forbid_change();

drop trigger if exists audit_events_no_truncate on public.audit_events;
create trigger audit_events_no_truncate
  before truncate on public.audit_events
  for each statement execute function app_private.forbid_change();

drop trigger if exists flag_changes_append_only on public.flag_changes;
create trigger flag_changes_append_only
  before update or delete on public.flag_changes
  for each row execute function app_private.forbid_change();

drop trigger if exists flag_changes_no_truncate on public.flag_changes;
create trigger flag_changes_no_truncate
  before truncate on public.flag_changes
  for each statement execute function app_private.forbid_change();
