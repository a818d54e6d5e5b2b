-- Rollout plans: ordered steps that the plan engine (supabase/schemas/plans/tick.sql)
-- carries out by itself, within time windows, outside freezes and after approvals.
-- Tables only; functions, grants and policies live in supabase/schemas/plans/ and
-- supabase/schemas/access/.
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists public.rollout_plans (
  id uuid primary key default gen_random_uuid(),
  migration_id uuid not null references public.migrations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 200),
  -- null author = created by the system (seed, migration)
  author uuid,
  author_email text,
  state text not null default 'draft'
    check (state in ('draft', 'running', 'paused', 'halted', 'aborted', 'done')),
  time_zone text not null default 'UTC' check (char_length(time_zone) between 1 and 64),
  -- [{days: [1..7] (ISO, Monday = 1), from: "09:00", to: "17:00"}]; empty = any time
  windows jsonb not null default '[]'::jsonb check (jsonb_typeof(windows) = 'array'),
  -- [{from: timestamptz, to: timestamptz, reason: text}]
  freezes jsonb not null default '[]'::jsonb check (jsonb_typeof(freezes) = 'array'),
  earliest_start timestamptz,
  current_step int not null default 0 check (current_step >= 0),
  -- when the current step started (transaction time of the tick that started it)
  step_started_at timestamptz,
  halt_reason text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 1
);
-- At most one plan per migration that is not finished.
create unique index if not exists rollout_plans_one_live_idx
  on public.rollout_plans (migration_id) where state in ('draft', 'running', 'paused', 'halted');
create index if not exists rollout_plans_running_idx
  on public.rollout_plans (state) where state = 'running';
alter table public.rollout_plans enable row level security;

create table if not exists public.rollout_plan_steps (
  plan_id uuid not null references public.rollout_plans (id) on delete cascade,
  position int not null check (position >= 0),
  target_stage int not null check (target_stage >= 0),
  cohort_kind text not null check (cohort_kind in ('canaries', 'workspaces', 'tier', 'percent')),
  -- percent: 0 < n <= 100; tier: one of the workspace tiers; workspaces: ids
  cohort_percent numeric check (cohort_percent is null or (cohort_percent > 0 and cohort_percent <= 100)),
  cohort_tier text check (cohort_tier is null or cohort_tier in ('free', 'standard', 'pro', 'enterprise')),
  cohort_workspaces uuid[],
  bake_minutes int not null default 0 check (bake_minutes between 0 and 43200),
  max_concurrent int not null default 10 check (max_concurrent between 1 and 10000),
  failure_policy text not null default 'hold' check (failure_policy in ('hold', 'quarantine', 'rollback_step')),
  approvals_required int not null default 0 check (approvals_required between 0 and 10),
  started_at timestamptz,
  finished_at timestamptz,
  primary key (plan_id, position),
  check ((cohort_kind = 'percent') = (cohort_percent is not null)),
  check ((cohort_kind = 'tier') = (cohort_tier is not null)),
  check ((cohort_kind = 'workspaces') = (cohort_workspaces is not null))
);
alter table public.rollout_plan_steps enable row level security;

create table if not exists public.plan_approvals (
  id bigint generated always as identity primary key,
  plan_id uuid not null references public.rollout_plans (id) on delete cascade,
  step int not null,
  member uuid not null,
  member_email text,
  decision text not null check (decision in ('approve', 'reject')),
  note text not null default '' check (char_length(note) <= 2000),
  created_at timestamptz not null default now()
);
create index if not exists plan_approvals_plan_step_idx on public.plan_approvals (plan_id, step);
alter table public.plan_approvals enable row level security;

-- The plan's timeline: what moved, why it waits, halts, people's actions. Append-only.
create table if not exists public.plan_events (
  id bigint generated always as identity primary key,
  plan_id uuid not null references public.rollout_plans (id) on delete cascade,
  step int,
  kind text not null check (kind in ('created', 'started', 'step_started', 'step_finished', 'moved',
    'gate_failed', 'quarantined', 'step_rolled_back', 'waiting', 'halted', 'paused', 'resumed',
    'aborted', 'skipped', 'approved', 'rejected', 'approval_needed', 'done', 'edited')),
  message text not null default '',
  details jsonb not null default '{}'::jsonb,
  actor uuid,
  actor_email text,
  created_at timestamptz not null default now()
);
create index if not exists plan_events_plan_idx on public.plan_events (plan_id, id);
alter table public.plan_events enable row level security;

-- Notification channels may subscribe to the plan events. Widening a check keeps every
-- row valid; validated by the next migration, outside this one's lock.
alter table public.notification_channels drop constraint if exists notification_channels_events_check;
alter table public.notification_channels add constraint notification_channels_events_check
  check (events <@ array['stage_changed', 'wave_applied', 'emergency_stop', 'alert_opened', 'alert_resolved',
    'auto_rollback', 'plan_step_started', 'plan_step_finished', 'plan_halted', 'plan_approval_needed']) not valid;
