-- migrate:no-transaction
-- Finding a migration's latest emergency stop, and whether an admin resumed it
-- since, without walking its whole transition history or the audit log.
-- Built concurrently (outside a transaction) so writes are never blocked.
-- squawk-ignore-file ban-concurrent-index-creation-in-transaction
set lock_timeout = '5s';
set statement_timeout = '0';
create index concurrently if not exists stage_transitions_stop_idx
  on public.stage_transitions (migration_id, created_at desc) where kind = 'emergency_stop';
create index concurrently if not exists audit_events_migration_resume_idx
  on public.audit_events (target_id, created_at desc) where action = 'migration.resume';
