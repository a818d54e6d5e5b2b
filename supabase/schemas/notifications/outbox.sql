-- Writes the delivery rows and their jobs for every channel subscribed to the
-- event, in the caller's transaction: the change and its notification commit
-- together or not at all.
create or replace function app_private.notify(p_event text, p_payload jsonb)
returns int
language plpgsql security definer set search_path = ''
as $$
declare
  d record;
  n int := 0;
begin
  for d in
    insert into public.notification_deliveries (channel_id, event, payload)
    select c.id, p_event, p_payload || jsonb_build_object('event', p_event)
      from public.notification_channels c
     where c.enabled and p_event = any (c.events)
    returning id
  loop
    perform graphile_worker.add_job('deliver_notification', json_build_object('deliveryId', d.id),
      max_attempts => 12, job_key => 'delivery:' || d.id);
    n := n + 1;
  end loop;
  return n;
end
$$;

-- Every transition reports itself. A bulk advance or an emergency stop moves many
-- workspaces in one transaction; it is reported once (the delivery job lists the
-- workspaces that moved together, which share the transaction's timestamp).
create or replace function app_private.notify_transition() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  ev text;
  once_key text;
  seen text;
  m record;
  w record;
begin
  select id, key, name into m from public.migrations where id = new.migration_id;
  if new.kind = 'emergency_stop' then
    ev := 'emergency_stop';
    once_key := 'stop:' || new.migration_id;
  elsif new.kind = 'advance' and (new.gate_report ? 'bulk' or coalesce((new.gate_report ->> 'wave')::boolean, false)) then
    -- A wave or a hand-picked advance: one notification for the whole operation.
    ev := 'wave_applied';
    once_key := 'bulk:' || new.migration_id;
  elsif new.kind = 'auto_rollback' then
    ev := 'auto_rollback';
  elsif new.kind = 'enroll' then
    return null;
  else
    ev := 'stage_changed';
  end if;
  if once_key is not null then
    seen := coalesce(current_setting('rollout.notified', true), '');
    if position(once_key in seen) > 0 then
      return null;
    end if;
    perform set_config('rollout.notified', seen || ' ' || once_key, true);
    perform app_private.notify(ev, jsonb_build_object(
      'migration', jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name),
      'to_stage', new.to_stage, 'reason', new.reason, 'actor', new.actor_email, 'at', new.created_at));
    return null;
  end if;
  select id, slug, name into w from public.workspaces where id = new.workspace_id;
  perform app_private.notify(ev, jsonb_build_object(
    'migration', jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name),
    'workspace', jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name),
    'kind', new.kind, 'from_stage', new.from_stage, 'to_stage', new.to_stage,
    'from_stage_name', (select name from public.migration_stages where migration_id = new.migration_id and position = new.from_stage),
    'to_stage_name', (select name from public.migration_stages where migration_id = new.migration_id and position = new.to_stage),
    'status', new.status_after, 'reason', new.reason, 'actor', new.actor_email, 'at', new.created_at,
    'transition_id', new.id));
  return null;
end
$$;

drop trigger if exists stage_transitions_notify on public.stage_transitions;
create trigger stage_transitions_notify
  after insert on public.stage_transitions
  for each row execute function app_private.notify_transition();
