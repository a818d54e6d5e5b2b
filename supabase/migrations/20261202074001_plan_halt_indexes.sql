-- migrate:no-transaction
-- The plan engine's halt check reads a migration's automatic rollbacks since a step
-- started without walking every advance of the step.
-- Built concurrently (outside a transaction) so writes are never blocked.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
set lock_timeout = '5s';
set statement_timeout = '0';
create index concurrently if not exists stage_transitions_auto_rollback_idx
  on public.stage_transitions (migration_id, created_at) where kind = 'auto_rollback';
