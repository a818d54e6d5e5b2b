-- migrate:no-transaction
-- The migration page's "rollout over time" chart reads every transition of a
-- migration in (workspace, time) order to find how long each stage was held: this
-- index hands them over presorted from the index alone (no sort, no heap reads).
-- Built concurrently (outside a transaction) so writes are never blocked.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
set lock_timeout = '5s';
set statement_timeout = '0';
create index concurrently if not exists stage_transitions_mig_ws_time_idx
  on public.stage_transitions (migration_id, workspace_id, created_at, id) include (to_stage);
