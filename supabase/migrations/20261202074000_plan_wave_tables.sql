-- The plan engine's cached wave order (supabase/schemas/plans/wave.sql): each
-- migration's workspaces ranked canaries first, then by the migration's fixed hash,
-- computed once and reused by every tick until an enrollment, a canary flag or a
-- tier changes (triggers bump wave_versions.version). Tables only.
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists app_private.wave_versions (
  migration_id uuid primary key references public.migrations (id) on delete cascade,
  -- bumped by every change to the migration's population (enrollments, canary flags, tiers)
  version bigint not null default 1,
  -- the version app_private.wave_ranks holds for this migration (0: none yet)
  cached_version bigint not null default 0,
  population int not null default 0
);

create table if not exists app_private.wave_ranks (
  migration_id uuid not null references public.migrations (id) on delete cascade,
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  wave_rank bigint not null,
  is_canary boolean not null,
  tier text,
  primary key (migration_id, workspace_id)
);
create unique index if not exists wave_ranks_rank_idx on app_private.wave_ranks (migration_id, wave_rank);
