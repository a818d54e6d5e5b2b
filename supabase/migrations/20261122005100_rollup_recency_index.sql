-- migrate:no-transaction
-- The guardrail sweep looks for rollouts with telemetry in the last window; this
-- finds recent minute buckets without walking every workspace's history.
-- Built concurrently (outside a transaction) so ingest is never blocked.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
set lock_timeout = '5s';
set statement_timeout = '0';
create index concurrently if not exists metric_rollups_bucket_brin
  on public.metric_rollups using brin (bucket);
