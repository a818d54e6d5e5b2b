-- Acknowledge / resolve ----------------------------------------------------------------------
create or replace function public.acknowledge_alert(p_alert bigint, p_note text)
returns void
language plpgsql security definer set search_path = ''
as $$
begin
  perform app_private.require_role('operator', 'acknowledging an alert');
  update public.performance_alerts
     set state = 'acknowledged', acknowledged_at = now(), acknowledged_by = auth.email(), updated_at = now(),
         note = nullif(btrim(coalesce(p_note, '')), '')
   where id = p_alert and state = 'open';
  if not found then
    raise exception 'Only an open alert can be acknowledged.' using errcode = 'P0001';
  end if;
  perform app_private.audit('alert.acknowledge', 'performance_alert', p_alert::text, jsonb_build_object('note', p_note));
end
$$;

grant execute on function public.acknowledge_alert(bigint, text) to authenticated;

create or replace function public.resolve_alert(p_alert bigint, p_note text)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  a public.performance_alerts;
begin
  perform app_private.require_role('operator', 'resolving an alert');
  if length(btrim(coalesce(p_note, ''))) < 3 then
    raise exception 'Resolving an alert needs a note: what was done?' using errcode = 'P0001';
  end if;
  update public.performance_alerts
     set state = 'resolved', resolved_at = now(), resolved_by = auth.email(), updated_at = now(),
         note = coalesce(note || ' · ', '') || btrim(p_note)
   where id = p_alert and state <> 'resolved'
  returning * into a;
  if not found then
    raise exception 'This alert is already resolved.' using errcode = 'P0001';
  end if;
  perform app_private.audit('alert.resolve', 'performance_alert', p_alert::text, jsonb_build_object('note', p_note));
  perform app_private.notify('alert_resolved', jsonb_build_object('alert_id', a.id, 'message', a.message,
    'workspace', (select jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) from public.workspaces w where w.id = a.workspace_id),
    'migration', (select jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name) from public.migrations m where m.id = a.migration_id),
    'resolved_by', auth.email(), 'note', p_note));
end
$$;

grant execute on function public.resolve_alert(bigint, text) to authenticated;
