-- Core schema: workspaces, migration plans and their stages, each workspace's
-- rollout position, the append-only transition log, members and the audit log.
-- Writes to rollouts go only through SQL functions (later migrations); every
-- table has RLS with one policy per command, for role `authenticated`.
set lock_timeout = '5s';
set statement_timeout = '60s';

create schema if not exists app_private;
revoke all on schema app_private from public;
grant usage on schema app_private to authenticated, service_role;

-- Members -------------------------------------------------------------------

create table if not exists public.members (
  user_id uuid primary key references auth.users (id) on delete cascade,
  role text not null check (role in ('viewer', 'operator', 'admin')),
  display_name text not null default '' check (char_length(display_name) <= 120),
  created_at timestamptz not null default now()
);

-- Role rank of the calling user: 0 none, 1 viewer, 2 operator, 3 admin.
create or replace function app_private.role_rank(role_name text) returns int
language sql immutable set search_path = ''
as $$
  select case role_name when 'admin' then 3 when 'operator' then 2 when 'viewer' then 1 else 0 end
$$;

create or replace function app_private.current_member_role() returns text
language sql stable security definer set search_path = ''
as $$
  select m.role from public.members m where m.user_id = (select auth.uid())
$$;

-- True when the caller is a member with at least `required` (viewer < operator < admin).
create or replace function app_private.has_role(required text) returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    app_private.role_rank(app_private.current_member_role()) >= app_private.role_rank(required)
      and app_private.role_rank(required) > 0,
    false)
$$;

revoke all on all functions in schema app_private from public;
grant execute on function app_private.role_rank(text) to authenticated, service_role;
grant execute on function app_private.current_member_role() to authenticated, service_role;
grant execute on function app_private.has_role(text) to authenticated, service_role;

alter table public.members enable row level security;
create policy members_select on public.members for select to authenticated
  using ((select app_private.has_role('viewer')));
create policy members_insert on public.members for insert to authenticated
  with check ((select app_private.has_role('admin')));
create policy members_update on public.members for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));
create policy members_delete on public.members for delete to authenticated
  using ((select app_private.has_role('admin')));

-- Workspaces ----------------------------------------------------------------

create table if not exists public.workspaces (
  id uuid primary key default gen_random_uuid(),
  slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  name text not null check (char_length(name) between 1 and 200),
  tier text not null default 'standard' check (tier in ('free', 'standard', 'pro', 'enterprise')),
  is_canary boolean not null default false,
  created_at timestamptz not null default now()
);

alter table public.workspaces enable row level security;
create policy workspaces_select on public.workspaces for select to authenticated
  using ((select app_private.has_role('viewer')));
create policy workspaces_insert on public.workspaces for insert to authenticated
  with check ((select app_private.has_role('admin')));
create policy workspaces_update on public.workspaces for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));
create policy workspaces_delete on public.workspaces for delete to authenticated
  using ((select app_private.has_role('admin')));

-- Migration plans and stages --------------------------------------------------

create table if not exists public.migrations (
  id uuid primary key default gen_random_uuid(),
  key text not null unique check (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name text not null check (char_length(name) between 1 and 200),
  description text not null default '',
  created_at timestamptz not null default now()
);

alter table public.migrations enable row level security;
create policy migrations_select on public.migrations for select to authenticated
  using ((select app_private.has_role('viewer')));
create policy migrations_insert on public.migrations for insert to authenticated
  with check ((select app_private.has_role('admin')));
create policy migrations_update on public.migrations for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));
create policy migrations_delete on public.migrations for delete to authenticated
  using ((select app_private.has_role('admin')));

-- Stage `position` k's gate is what must hold to move a workspace from k-1 to k.
-- A null threshold means the check is not part of this stage's gate.
create table if not exists public.migration_stages (
  migration_id uuid not null references public.migrations (id) on delete cascade,
  position int not null check (position between 0 and 50),
  key text not null check (key ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  name text not null check (char_length(name) between 1 and 200),
  description text not null default '',
  min_soak_minutes int not null default 0 check (min_soak_minutes >= 0),
  min_samples int not null default 0 check (min_samples >= 0),
  max_error_rate numeric check (max_error_rate between 0 and 1),
  max_p95_ratio numeric check (max_p95_ratio > 0),
  max_open_critical_alerts int check (max_open_critical_alerts >= 0),
  max_negative_feedback int check (max_negative_feedback >= 0),
  primary key (migration_id, position),
  unique (migration_id, key)
);

alter table public.migration_stages enable row level security;
create policy migration_stages_select on public.migration_stages for select to authenticated
  using ((select app_private.has_role('viewer')));
create policy migration_stages_insert on public.migration_stages for insert to authenticated
  with check ((select app_private.has_role('admin')));
create policy migration_stages_update on public.migration_stages for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));
create policy migration_stages_delete on public.migration_stages for delete to authenticated
  using ((select app_private.has_role('admin')));

-- Rollouts --------------------------------------------------------------------

create table if not exists public.workspace_rollouts (
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  migration_id uuid not null references public.migrations (id) on delete cascade,
  stage int not null default 0,
  status text not null default 'active' check (status in ('active', 'paused', 'rolled_back')),
  entered_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 1,
  primary key (workspace_id, migration_id),
  foreign key (migration_id, stage) references public.migration_stages (migration_id, position)
);
create index if not exists workspace_rollouts_migration_stage_idx
  on public.workspace_rollouts (migration_id, stage);

alter table public.workspace_rollouts enable row level security;
create policy workspace_rollouts_select on public.workspace_rollouts for select to authenticated
  using ((select app_private.has_role('viewer')));
-- No insert/update/delete policies and no write grants: rollouts change only
-- through the security-definer transition functions.

-- Transition log (append-only) ---------------------------------------------------

create table if not exists public.stage_transitions (
  id bigint generated always as identity primary key,
  workspace_id uuid not null references public.workspaces (id),
  migration_id uuid not null references public.migrations (id),
  from_stage int not null,
  to_stage int not null,
  kind text not null check (kind in ('advance', 'rollback', 'auto_rollback', 'emergency_stop', 'override', 'pause', 'resume', 'enroll')),
  status_after text not null check (status_after in ('active', 'paused', 'rolled_back')),
  -- null actor = the system (guardrails, worker). No FK: the log outlives users.
  actor uuid,
  actor_email text,
  reason text not null default '',
  gate_report jsonb,
  created_at timestamptz not null default now()
);
create index if not exists stage_transitions_ws_mig_idx
  on public.stage_transitions (workspace_id, migration_id, created_at desc);
create index if not exists stage_transitions_mig_time_idx
  on public.stage_transitions (migration_id, created_at);
create index if not exists stage_transitions_time_idx
  on public.stage_transitions (created_at desc);

alter table public.stage_transitions enable row level security;
create policy stage_transitions_select on public.stage_transitions for select to authenticated
  using ((select app_private.has_role('viewer')));

-- Generic audit log for every other write (members, tokens, flags, settings).
create table if not exists public.audit_events (
  id bigint generated always as identity primary key,
  actor uuid,
  actor_email text,
  action text not null,
  target_type text not null,
  target_id text,
  details jsonb not null default '{}'::jsonb,
  created_at timestamptz not null default now()
);
create index if not exists audit_events_time_idx on public.audit_events (created_at desc);

alter table public.audit_events enable row level security;
create policy audit_events_select on public.audit_events for select to authenticated
  using ((select app_private.has_role('viewer')));

create or replace function app_private.forbid_change() returns trigger
language plpgsql set search_path = ''
as $$
begin
  raise exception '% is append-only: % is not allowed', tg_table_name, tg_op
    using errcode = 'insufficient_privilege';
end
$$;

create trigger stage_transitions_append_only
  before update or delete on public.stage_transitions
  for each row execute function app_private.forbid_change();
create trigger stage_transitions_no_truncate
  before truncate on public.stage_transitions
  for each statement execute function app_private.forbid_change();
create trigger audit_events_append_only
  before update or delete on public.audit_events
  for each row execute function app_private.forbid_change();
create trigger audit_events_no_truncate
  before truncate on public.audit_events
  for each statement execute function app_private.forbid_change();

-- Records an audit event on behalf of the caller (used by later functions).
create or replace function app_private.audit(p_action text, p_target_type text, p_target_id text, p_details jsonb)
returns void
language sql security definer set search_path = ''
as $$
  insert into public.audit_events (actor, actor_email, action, target_type, target_id, details)
  values ((select auth.uid()), (select auth.email()), p_action, p_target_type, p_target_id, coalesce(p_details, '{}'::jsonb))
$$;
revoke all on function app_private.audit(text, text, text, jsonb) from public;

-- Grants ------------------------------------------------------------------------

revoke all on public.members, public.workspaces, public.migrations, public.migration_stages,
  public.workspace_rollouts, public.stage_transitions, public.audit_events from anon, authenticated;
grant select on public.members, public.workspaces, public.migrations, public.migration_stages,
  public.workspace_rollouts, public.stage_transitions, public.audit_events to authenticated;
grant insert, update, delete on public.members, public.workspaces, public.migrations,
  public.migration_stages to authenticated;
grant select on all tables in schema public to service_role;
revoke update, delete, truncate on public.stage_transitions, public.audit_events from service_role;
revoke insert, update, delete, truncate on public.workspace_rollouts from service_role;

-- Sign-in throttling for local auth mode (not exposed to any API role).
create table if not exists app_private.sign_in_failures (
  key text primary key,
  failures int not null default 0,
  last_failure_at timestamptz not null default now()
);
