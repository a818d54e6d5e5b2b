-- Called by the ingest endpoints right after a batch commits, for what it touched.
create or replace function public.after_telemetry_batch(p_workspace_ids uuid[], p_migration_ids uuid[])
returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if coalesce(cardinality(p_workspace_ids), 0) = 0 or cardinality(p_workspace_ids) > 5000 then
    return;
  end if;
  perform app_private.evaluate_guardrails(p_workspace_ids, p_migration_ids);
end
$$;
