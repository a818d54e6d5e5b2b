-- Retention: deletes raw samples older than the given age (rollups stay) and
-- idempotency keys older than a day, and OTLP series states idle for a day. Run by the worker (task prune_raw_metrics).
create or replace function public.prune_raw_metrics(p_older_than interval) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  delete from public.performance_metrics where time < now() - p_older_than;
  get diagnostics v_count = row_count;
  delete from app_private.ingest_requests where created_at < now() - interval '1 day';
  -- OTLP cumulative series without a point for 24 hours (lib/otlp/config.ts SERIES_TTL_MS)
  delete from app_private.otlp_series where updated_at < now() - interval '24 hours';
  return v_count;
end
$$;
