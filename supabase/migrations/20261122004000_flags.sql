-- Feature flags that follow the stages: definitions, per-workspace overrides,
-- an append-only change history, the kill switches, sticky-hash evaluation and
-- the one-round-trip state read used by GET /api/v1/workspaces/{slug}/state.
-- Flags change only through the role-checked functions below, so every change
-- lands in flag_changes (and audit_events) in the same transaction.
set lock_timeout = '5s';
set statement_timeout = '60s';

-- Tables ------------------------------------------------------------------------

create table if not exists public.feature_flags (
  id uuid primary key default gen_random_uuid(),
  key text not null unique check (key ~ '^[a-z0-9][a-z0-9_.-]{0,99}$'),
  description text not null default '' check (char_length(description) <= 1000),
  migration_id uuid references public.migrations (id) on delete cascade,
  min_stage int,
  enabled boolean not null default false,
  -- Hundredths of a percent: 10000 = 100 %.
  rollout_bps int not null default 0 check (rollout_bps between 0 and 10000),
  killed boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  version bigint not null default 1,
  -- A stage link is a migration and a stage of it, or neither.
  check ((migration_id is null) = (min_stage is null)),
  foreign key (migration_id, min_stage) references public.migration_stages (migration_id, position)
);
create index if not exists feature_flags_migration_idx on public.feature_flags (migration_id);

create table if not exists public.flag_overrides (
  flag_id uuid not null references public.feature_flags (id) on delete cascade,
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  value boolean not null,
  reason text not null default '' check (char_length(reason) <= 1000),
  created_by uuid,
  created_at timestamptz not null default now(),
  primary key (flag_id, workspace_id)
);
create index if not exists flag_overrides_workspace_idx on public.flag_overrides (workspace_id);

-- Every change to a flag or an override. No FK to the flag: the log outlives it.
create table if not exists public.flag_changes (
  id bigint generated always as identity primary key,
  flag_id uuid not null,
  flag_key text not null,
  action text not null check (action in ('create', 'rollout', 'definition', 'kill', 'restore', 'override', 'clear_override', 'delete')),
  workspace_id uuid,
  -- null actor = the system (guardrails, worker, seeds).
  actor uuid,
  actor_email text,
  reason text not null default '',
  before jsonb,
  after jsonb,
  created_at timestamptz not null default now()
);
create index if not exists flag_changes_flag_time_idx on public.flag_changes (flag_id, created_at desc);
create index if not exists flag_changes_time_idx on public.flag_changes (created_at desc);

create trigger flag_changes_append_only
  before update or delete on public.flag_changes
  for each row execute function app_private.forbid_change();
create trigger flag_changes_no_truncate
  before truncate on public.flag_changes
  for each statement execute function app_private.forbid_change();

alter table public.feature_flags enable row level security;
create policy feature_flags_select on public.feature_flags for select to authenticated
  using ((select app_private.has_role('viewer')));
alter table public.flag_overrides enable row level security;
create policy flag_overrides_select on public.flag_overrides for select to authenticated
  using ((select app_private.has_role('viewer')));
alter table public.flag_changes enable row level security;
create policy flag_changes_select on public.flag_changes for select to authenticated
  using ((select app_private.has_role('viewer')));

-- Reads only: writes go through the functions below (no write grants, no write policies).
revoke all on public.feature_flags, public.flag_overrides, public.flag_changes from anon, authenticated;
grant select on public.feature_flags, public.flag_overrides, public.flag_changes to authenticated, service_role;

-- Helpers -------------------------------------------------------------------------

-- Members with the role, or the system: the service connection (no `set role`)
-- or Supabase's service_role. Security definer does not change the `role`
-- setting, so this sees the role the request runs as.
create or replace function app_private.flag_caller_may(p_required text) returns boolean
language sql stable security definer set search_path = ''
as $$
  select app_private.has_role(p_required)
      or coalesce(nullif(current_setting('role', true), ''), 'none') in ('none', 'service_role')
$$;

create or replace function app_private.require_flag_role(p_required text, p_what text) returns void
language plpgsql stable security definer set search_path = ''
as $$
begin
  if not app_private.flag_caller_may(p_required) then
    raise exception '% needs the % role', p_what, p_required using errcode = '42501';
  end if;
end
$$;

-- The fields a history entry shows (no timestamps: they are on the entry).
create or replace function app_private.flag_snapshot(f public.feature_flags) returns jsonb
language sql immutable set search_path = ''
as $$
  select jsonb_build_object('key', f.key, 'description', f.description, 'migration_id', f.migration_id,
    'min_stage', f.min_stage, 'enabled', f.enabled, 'rollout_bps', f.rollout_bps, 'killed', f.killed, 'version', f.version)
$$;

create or replace function app_private.record_flag_change(
  p_flag_id uuid, p_flag_key text, p_action text, p_workspace uuid, p_reason text, p_before jsonb, p_after jsonb)
returns void
language sql security definer set search_path = ''
as $$
  insert into public.flag_changes (flag_id, flag_key, action, workspace_id, actor, actor_email, reason, before, after)
  values (p_flag_id, p_flag_key, p_action, p_workspace, (select auth.uid()), (select auth.email()),
          coalesce(p_reason, ''), p_before, p_after);
  select app_private.audit('flag.' || p_action, 'feature_flag', p_flag_id::text,
    jsonb_build_object('key', p_flag_key, 'workspace_id', p_workspace, 'reason', coalesce(p_reason, ''), 'before', p_before, 'after', p_after));
$$;

create or replace function app_private.check_stage_link(p_migration uuid, p_min_stage int) returns void
language plpgsql stable security definer set search_path = ''
as $$
begin
  if (p_migration is null) <> (p_min_stage is null) then
    raise exception 'A stage link needs both a migration and a stage (or neither).';
  end if;
  if p_migration is not null and not exists (
    select 1 from public.migration_stages s where s.migration_id = p_migration and s.position = p_min_stage) then
    raise exception 'That migration has no stage %.', p_min_stage;
  end if;
end
$$;

create or replace function app_private.lock_flag(p_id uuid) returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
begin
  select * into f from public.feature_flags where id = p_id for update;
  if not found then
    raise exception 'That flag does not exist (it may have been deleted).';
  end if;
  return f;
end
$$;

-- Sticky hashing -------------------------------------------------------------------

-- Bucket 0..9999 of (flag key, unit id): FNV-1a (32 bit) over the UTF-8 bytes
-- of key || ':' || unit, then a small mix so sequential ids spread evenly.
-- lib/flags/hash.ts computes the same number; tests compare the two.
create or replace function public.flag_bucket(p_flag_key text, p_unit_id text) returns int
language plpgsql immutable strict parallel safe
as $$
declare
  b bytea := pg_catalog.convert_to(p_flag_key || ':' || p_unit_id, 'UTF8');
  h bigint := 2166136261;
  i int;
begin
  for i in 0 .. pg_catalog.length(b) - 1 loop
    h := ((h # pg_catalog.get_byte(b, i)) * 16777619) & 4294967295;
  end loop;
  h := h # (h >> 15);
  h := (h * 16777619) & 4294967295;
  h := h # (h >> 13);
  return (h % 10000)::int;
end
$$;

-- Evaluation -------------------------------------------------------------------

-- What each flag is for a workspace before the per-unit hash: 'off', 'on', or
-- 'rollout' (on for units whose bucket < rollout_bps). The order is the spec's:
-- kill switch, override, enabled, stage link, percentage.
create or replace function app_private.flag_rules(p_workspace uuid)
returns table (key text, mode text, reason text, rollout_bps int)
language plpgsql stable security definer set search_path = ''
as $$
begin
  -- plpgsql rather than sql: its query plans are cached per connection, which
  -- matters on the API's hot path (a non-inlined sql function is planned per call).
  return query
  select f.key,
    case when f.killed then 'off'
         when o.value is not null then case when o.value then 'on' else 'off' end
         when not f.enabled then 'off'
         when f.migration_id is not null and (r.stage is null or r.stage < f.min_stage) then 'off'
         when f.rollout_bps >= 10000 then 'on'
         when f.rollout_bps <= 0 then 'off'
         else 'rollout' end,
    case when f.killed then 'killed'
         when o.value is not null then 'override'
         when not f.enabled then 'disabled'
         when f.migration_id is not null and r.stage is null then 'not_enrolled'
         when f.migration_id is not null and r.stage < f.min_stage then 'stage_not_reached'
         else 'rollout' end,
    f.rollout_bps
  from public.feature_flags f
  left join public.flag_overrides o on o.flag_id = f.id and o.workspace_id = p_workspace
  left join public.workspace_rollouts r on r.workspace_id = p_workspace and r.migration_id = f.migration_id;
end
$$;

create or replace function app_private.evaluate_rules(p_workspace uuid, p_unit_id text)
returns table (key text, value boolean, reason text, mode text, rollout_bps int)
language plpgsql stable security definer set search_path = ''
as $$
begin
  return query
  select r.key, v.value,
    case when r.reason = 'rollout' then case when v.value then 'in_rollout' else 'outside_rollout' end else r.reason end,
    r.mode, r.rollout_bps
  from app_private.flag_rules(p_workspace) r
  cross join lateral (select case r.mode when 'on' then true when 'off' then false
                         else public.flag_bucket(r.key, p_unit_id) < r.rollout_bps end as value) v;
end
$$;

-- Flag values for a workspace and a unit (default: the workspace id).
create or replace function public.evaluate_flags(p_workspace uuid, p_unit_id text default null)
returns table (key text, value boolean, reason text)
language plpgsql stable security definer set search_path = ''
as $$
begin
  perform app_private.require_flag_role('viewer', 'reading flag values');
  return query
    select e.key, e.value, e.reason
    from app_private.evaluate_rules(p_workspace, coalesce(p_unit_id, p_workspace::text)) e
    order by e.key;
end
$$;

-- The state document of a workspace, as the API returns it (text, so its md5 is the ETag).
create or replace function app_private.state_body(p_workspace uuid, p_unit_id text) returns text
language plpgsql stable security definer set search_path = ''
as $$
begin
  return jsonb_build_object(
    'workspace', (select jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) from public.workspaces w where w.id = p_workspace),
    'unit', p_unit_id,
    'migrations', coalesce((
      select jsonb_object_agg(m.key, jsonb_build_object(
        'stage', coalesce(r.stage, 0), 'stageKey', s.key, 'stageName', s.name,
        'status', coalesce(r.status, 'not_enrolled'),
        'lastStage', (select max(x.position) from public.migration_stages x where x.migration_id = m.id)))
      from public.migrations m
      left join public.workspace_rollouts r on r.migration_id = m.id and r.workspace_id = p_workspace
      left join public.migration_stages s on s.migration_id = m.id and s.position = coalesce(r.stage, 0)), '{}'::jsonb),
    'flags', coalesce((
      select jsonb_object_agg(e.key, jsonb_build_object('value', e.value, 'reason', e.reason, 'mode', e.mode, 'rolloutBps', e.rollout_bps))
      from app_private.evaluate_rules(p_workspace, p_unit_id) e), '{}'::jsonb)
  )::text;
end
$$;

-- One round trip per API request: authenticates the token (revocation counts on
-- the very next request: nothing is cached), checks scope and workspace, builds
-- the state and its ETag, and leaves the body out when an If-None-Match tag matches.
create or replace function public.workspace_state(p_token_hash text, p_slug text, p_unit_id text, p_etags text[])
returns table (status int, etag text, body text, message text)
language plpgsql security definer set search_path = ''
as $$
declare
  g record;
  v_ws uuid;
  v_body text;
  v_etag text;
begin
  select t.workspace_ids, t.scopes into g from public.ingest_token_lookup(p_token_hash) t limit 1;
  if not found then
    return query select 401, null::text, null::text, 'Invalid or revoked token';
    return;
  end if;
  if not ('state:read' = any (g.scopes)) then
    return query select 403, null::text, null::text, 'This token lacks the ''state:read'' scope';
    return;
  end if;
  select w.id into v_ws from public.workspaces w where w.slug = p_slug;
  if v_ws is null then
    return query select 404, null::text, null::text, format('No workspace with slug "%s"', p_slug);
    return;
  end if;
  if g.workspace_ids is not null and not (v_ws = any (g.workspace_ids)) then
    return query select 403, null::text, null::text, format('This token is not valid for workspace "%s"', p_slug);
    return;
  end if;
  v_body := app_private.state_body(v_ws, coalesce(p_unit_id, v_ws::text));
  v_etag := '"' || md5(v_body) || '"';
  if v_etag = any (p_etags) or '*' = any (p_etags) then
    return query select 304, v_etag, null::text, null::text;
  else
    return query select 200, v_etag, v_body, null::text;
  end if;
end
$$;

-- Changes -----------------------------------------------------------------------

create or replace function public.create_feature_flag(
  p_key text, p_description text, p_migration uuid, p_min_stage int, p_rollout_bps int, p_reason text default '')
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
begin
  perform app_private.require_flag_role('admin', 'creating a flag');
  if p_key is null or p_key !~ '^[a-z0-9][a-z0-9_.-]{0,99}$' then
    raise exception 'A flag key is 1-100 characters: lowercase letters, digits, "_", "." or "-", starting with a letter or digit.';
  end if;
  if exists (select 1 from public.feature_flags x where x.key = p_key) then
    raise exception 'A flag with key "%" already exists.', p_key;
  end if;
  if p_rollout_bps is null or p_rollout_bps not between 0 and 10000 then
    raise exception 'The rollout must be between 0 %% and 100 %%.';
  end if;
  perform app_private.check_stage_link(p_migration, p_min_stage);
  -- Off by default: a new flag starts disabled whatever its percentage.
  insert into public.feature_flags (key, description, migration_id, min_stage, rollout_bps)
  values (p_key, coalesce(p_description, ''), p_migration, p_min_stage, p_rollout_bps)
  returning * into f;
  perform app_private.record_flag_change(f.id, f.key, 'create', null, p_reason, null, app_private.flag_snapshot(f));
  return f;
end
$$;

-- Enable/disable and the percentage: operators. p_expected_version guards
-- against overwriting a change made since the editor loaded the flag.
create or replace function public.set_flag_rollout(
  p_id uuid, p_expected_version bigint, p_enabled boolean, p_rollout_bps int, p_reason text default '')
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  n public.feature_flags;
begin
  perform app_private.require_flag_role('operator', 'changing a flag''s rollout');
  if p_rollout_bps is null or p_rollout_bps not between 0 and 10000 then
    raise exception 'The rollout must be between 0 %% and 100 %%.';
  end if;
  f := app_private.lock_flag(p_id);
  if p_expected_version is not null and f.version <> p_expected_version then
    raise exception 'Flag "%" was changed by someone else since you opened it. Reload and try again.', f.key;
  end if;
  if f.enabled = p_enabled and f.rollout_bps = p_rollout_bps then
    return f;
  end if;
  update public.feature_flags x set enabled = p_enabled, rollout_bps = p_rollout_bps, version = x.version + 1, updated_at = now()
   where x.id = p_id returning * into n;
  perform app_private.record_flag_change(n.id, n.key, 'rollout', null, p_reason, app_private.flag_snapshot(f), app_private.flag_snapshot(n));
  return n;
end
$$;

-- Description and stage link: admins (they define what the flag means).
create or replace function public.update_flag_definition(
  p_id uuid, p_expected_version bigint, p_description text, p_migration uuid, p_min_stage int, p_reason text default '')
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  n public.feature_flags;
begin
  perform app_private.require_flag_role('admin', 'changing a flag''s description or stage link');
  f := app_private.lock_flag(p_id);
  if p_expected_version is not null and f.version <> p_expected_version then
    raise exception 'Flag "%" was changed by someone else since you opened it. Reload and try again.', f.key;
  end if;
  perform app_private.check_stage_link(p_migration, p_min_stage);
  update public.feature_flags x set description = coalesce(p_description, ''), migration_id = p_migration, min_stage = p_min_stage,
         version = x.version + 1, updated_at = now()
   where x.id = p_id returning * into n;
  perform app_private.record_flag_change(n.id, n.key, 'definition', null, p_reason, app_private.flag_snapshot(f), app_private.flag_snapshot(n));
  return n;
end
$$;

-- Kill switch for one flag: forces it off everywhere, whatever else is set.
create or replace function public.kill_feature_flag(p_id uuid, p_reason text)
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  n public.feature_flags;
begin
  perform app_private.require_flag_role('operator', 'using the kill switch');
  if coalesce(btrim(p_reason), '') = '' then
    raise exception 'Say why you are killing the flag (a reason is required).';
  end if;
  f := app_private.lock_flag(p_id);
  if f.killed then
    return f;
  end if;
  update public.feature_flags x set killed = true, version = x.version + 1, updated_at = now()
   where x.id = p_id returning * into n;
  perform app_private.record_flag_change(n.id, n.key, 'kill', null, p_reason, app_private.flag_snapshot(f), app_private.flag_snapshot(n));
  return n;
end
$$;

create or replace function public.restore_feature_flag(p_id uuid, p_reason text default '')
returns public.feature_flags
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  n public.feature_flags;
begin
  perform app_private.require_flag_role('operator', 'lifting a kill switch');
  f := app_private.lock_flag(p_id);
  if not f.killed then
    return f;
  end if;
  update public.feature_flags x set killed = false, version = x.version + 1, updated_at = now()
   where x.id = p_id returning * into n;
  perform app_private.record_flag_change(n.id, n.key, 'restore', null, p_reason, app_private.flag_snapshot(f), app_private.flag_snapshot(n));
  return n;
end
$$;

-- Kill switch for every flag of a migration, in one statement (so all or none).
-- Returns how many flags it killed (already killed ones are left as they are).
create or replace function public.kill_migration_flags(p_migration uuid, p_reason text)
returns int
language plpgsql security definer set search_path = ''
as $$
declare
  v_count int;
begin
  perform app_private.require_flag_role('operator', 'using the kill switch');
  if coalesce(btrim(p_reason), '') = '' then
    raise exception 'Say why you are killing the flags (a reason is required).';
  end if;
  if not exists (select 1 from public.migrations m where m.id = p_migration) then
    raise exception 'That migration does not exist.';
  end if;
  with before as (
    select f.id, app_private.flag_snapshot(f) as snap
      from public.feature_flags f where f.migration_id = p_migration and not f.killed for update
  ), killed as (
    update public.feature_flags f set killed = true, version = f.version + 1, updated_at = now()
      from before b where f.id = b.id
    returning f.id, f.key, app_private.flag_snapshot(f) as snap
  ), logged as (
    insert into public.flag_changes (flag_id, flag_key, action, actor, actor_email, reason, before, after)
    select k.id, k.key, 'kill', (select auth.uid()), (select auth.email()), p_reason, b.snap, k.snap
      from killed k join before b on b.id = k.id
    returning 1
  )
  select count(*)::int into v_count from logged;
  perform app_private.audit('flag.kill_migration', 'migration', p_migration::text,
    jsonb_build_object('reason', p_reason, 'flags_killed', v_count));
  return v_count;
end
$$;

create or replace function public.delete_feature_flag(p_id uuid, p_reason text default '')
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
begin
  perform app_private.require_flag_role('admin', 'deleting a flag');
  f := app_private.lock_flag(p_id);
  delete from public.feature_flags x where x.id = p_id;
  perform app_private.record_flag_change(f.id, f.key, 'delete', null, p_reason, app_private.flag_snapshot(f), null);
end
$$;

-- Per-workspace override: operators (p_value null clears it).
create or replace function public.set_flag_override(p_flag uuid, p_workspace uuid, p_value boolean, p_reason text default '')
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  f public.feature_flags;
  o public.flag_overrides;
begin
  perform app_private.require_flag_role('operator', 'overriding a flag for a workspace');
  f := app_private.lock_flag(p_flag);
  if not exists (select 1 from public.workspaces w where w.id = p_workspace) then
    raise exception 'That workspace does not exist.';
  end if;
  select * into o from public.flag_overrides x where x.flag_id = p_flag and x.workspace_id = p_workspace;
  if p_value is null then
    if o.flag_id is null then
      return;
    end if;
    delete from public.flag_overrides x where x.flag_id = p_flag and x.workspace_id = p_workspace;
    perform app_private.record_flag_change(f.id, f.key, 'clear_override', p_workspace, p_reason,
      jsonb_build_object('value', o.value), null);
    return;
  end if;
  insert into public.flag_overrides (flag_id, workspace_id, value, reason, created_by)
  values (p_flag, p_workspace, p_value, coalesce(p_reason, ''), (select auth.uid()))
  on conflict (flag_id, workspace_id) do update set value = excluded.value, reason = excluded.reason,
    created_by = excluded.created_by, created_at = now();
  perform app_private.record_flag_change(f.id, f.key, 'override', p_workspace, p_reason,
    case when o.flag_id is null then null else jsonb_build_object('value', o.value) end, jsonb_build_object('value', p_value));
end
$$;

-- For guardrails: turn off every flag of a migration for one workspace (system
-- actor). Only service_role and other security-definer functions may call it.
create or replace function public.disable_migration_flags_for_workspace(p_migration uuid, p_workspace uuid, p_reason text)
returns int
language plpgsql security definer set search_path = ''
as $$
declare
  v_count int;
begin
  with prior as (
    select f.id, f.key, o.value as old_value
      from public.feature_flags f
      left join public.flag_overrides o on o.flag_id = f.id and o.workspace_id = p_workspace
     where f.migration_id = p_migration and o.value is distinct from false
  ), upserted as (
    insert into public.flag_overrides (flag_id, workspace_id, value, reason)
    select p.id, p_workspace, false, coalesce(p_reason, '') from prior p
    on conflict (flag_id, workspace_id) do update set value = false, reason = excluded.reason, created_by = null, created_at = now()
    returning flag_id
  ), logged as (
    insert into public.flag_changes (flag_id, flag_key, action, workspace_id, actor, actor_email, reason, before, after)
    select p.id, p.key, 'override', p_workspace, null, null, coalesce(p_reason, ''),
           case when p.old_value is null then null else jsonb_build_object('value', p.old_value) end,
           jsonb_build_object('value', false)
      from prior p join upserted u on u.flag_id = p.id
    returning 1
  )
  select count(*)::int into v_count from logged;
  return v_count;
end
$$;

-- Grants ------------------------------------------------------------------------

revoke all on function app_private.flag_caller_may(text), app_private.require_flag_role(text, text),
  app_private.flag_snapshot(public.feature_flags), app_private.record_flag_change(uuid, text, text, uuid, text, jsonb, jsonb),
  app_private.check_stage_link(uuid, int), app_private.lock_flag(uuid), app_private.flag_rules(uuid),
  app_private.evaluate_rules(uuid, text), app_private.state_body(uuid, text) from public;

revoke all on function public.flag_bucket(text, text), public.evaluate_flags(uuid, text),
  public.workspace_state(text, text, text, text[]), public.create_feature_flag(text, text, uuid, int, int, text),
  public.set_flag_rollout(uuid, bigint, boolean, int, text), public.update_flag_definition(uuid, bigint, text, uuid, int, text),
  public.kill_feature_flag(uuid, text), public.restore_feature_flag(uuid, text), public.kill_migration_flags(uuid, text),
  public.delete_feature_flag(uuid, text), public.set_flag_override(uuid, uuid, boolean, text),
  public.disable_migration_flags_for_workspace(uuid, uuid, text) from public;

grant execute on function public.flag_bucket(text, text) to anon, authenticated, service_role;
-- The token is the credential here, so anon may call it (as the API does).
grant execute on function public.workspace_state(text, text, text, text[]) to anon, authenticated, service_role;
grant execute on function public.evaluate_flags(uuid, text), public.create_feature_flag(text, text, uuid, int, int, text),
  public.set_flag_rollout(uuid, bigint, boolean, int, text), public.update_flag_definition(uuid, bigint, text, uuid, int, text),
  public.kill_feature_flag(uuid, text), public.restore_feature_flag(uuid, text), public.kill_migration_flags(uuid, text),
  public.delete_feature_flag(uuid, text), public.set_flag_override(uuid, uuid, boolean, text)
  to authenticated, service_role;
grant execute on function public.disable_migration_flags_for_workspace(uuid, uuid, text) to service_role;
