-- Advancing workspaces: what an advance checks and who may do it.
--
-- Every advance, single, wave or hand-picked, goes through app_private.advance_one:
--   * the workspace must be enrolled, not paused and not at the last stage;
--   * the next stage's gate (rollouts/gate.sql) must pass, unless an admin overrides
--     it with a written reason (single advance only; recorded as kind 'override');
--   * the move is written by app_private.apply_transition (rollouts/transition.sql).
-- Who: operators and admins advance; viewers may preview (dry run) a bulk advance;
-- only admins override. A bulk advance is reported by one notification.
-- During a live plan's freeze, only admins advance by hand, with a reason (plans/freeze.sql).
-- A long bulk advance tells its progress as it goes (rollouts/progress.sql).
-- requires: common/roles.sql, rollouts/gate.sql, rollouts/transition.sql, plans/freeze.sql, rollouts/progress.sql

-- Decides and (unless p_dry_run) performs one workspace's advance. The caller has
-- checked the role and locked the rollout row. Returns {outcome: moved | failed |
-- skipped, reason?, report?, transition_id?, from_stage, to_stage}.
create or replace function app_private.advance_one(
  r public.workspace_rollouts, p_last_stage int, p_reason text, p_override boolean,
  p_dry_run boolean, p_bulk text)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  report jsonb;
  passed boolean;
  t public.stage_transitions;
begin
  if r.workspace_id is null then
    return jsonb_build_object('outcome', 'skipped', 'reason', 'not enrolled');
  end if;
  if r.status = 'paused' then
    return jsonb_build_object('outcome', 'skipped', 'reason', 'paused', 'from_stage', r.stage);
  end if;
  if r.stage >= p_last_stage then
    return jsonb_build_object('outcome', 'skipped', 'reason', 'at the last stage', 'from_stage', r.stage);
  end if;
  report := app_private.gate_report(r.workspace_id, r.migration_id, r.stage + 1);
  passed := (report ->> 'passed')::boolean;
  if not passed and not p_override then
    return jsonb_build_object('outcome', 'failed', 'from_stage', r.stage, 'to_stage', r.stage + 1,
      'message', app_private.gate_failure_text(report), 'report', report);
  end if;
  if not p_dry_run then
    t := app_private.apply_transition(r.workspace_id, r.migration_id, r.stage + 1, 'active',
      case when passed then 'advance' else 'override' end,
      coalesce(nullif(btrim(p_reason), ''),
        case p_bulk when 'wave' then 'Wave to ' when 'selected' then 'Selected for advance to ' else 'Advanced to ' end
        || (report ->> 'target_stage_name')),
      report || jsonb_build_object('overridden', not passed)
             || case when p_bulk is null then '{}'::jsonb
                     else jsonb_build_object('bulk', p_bulk, p_bulk, true) end);
  end if;
  return jsonb_build_object('outcome', 'moved', 'from_stage', r.stage, 'to_stage', r.stage + 1,
    'transition_id', t.id, 'kind', t.kind, 'report', report);
end
$$;

-- The last stage of a migration; refuses an unknown one.
create or replace function app_private.last_stage(p_migration uuid)
returns int
language plpgsql stable security definer set search_path = ''
as $$
declare
  last int;
begin
  select max(position) into last from public.migration_stages where migration_id = p_migration;
  if last is null then
    raise exception 'Unknown migration.' using errcode = 'P0001';
  end if;
  return last;
end
$$;

-- One stage forward from the stage the caller saw. A failed gate changes nothing
-- and returns the report. Returns {ok, transition_id?, to_stage?, report, message?}.
create or replace function public.advance_workspace(
  p_workspace uuid, p_migration uuid, p_expected_stage int, p_reason text default '',
  p_override boolean default false, p_expected_version bigint default null)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
  result jsonb;
begin
  perform app_private.require_role('operator', 'advancing a workspace');
  if p_override then
    perform app_private.require_role('admin', 'overriding a stage gate');
    if length(btrim(coalesce(p_reason, ''))) < 10 then
      raise exception 'An override needs a written reason (at least 10 characters).' using errcode = 'P0001';
    end if;
  end if;
  perform app_private.require_freeze_override(p_migration, p_reason);
  r := app_private.lock_rollout(p_workspace, p_migration, p_expected_stage, p_expected_version);
  result := app_private.advance_one(r, app_private.last_stage(p_migration), p_reason, p_override, false, null);
  case result ->> 'outcome'
    when 'skipped' then
      if result ->> 'reason' = 'paused' then
        raise exception 'The workspace is paused; resume it before advancing.' using errcode = 'P0001';
      end if;
      raise exception 'The workspace is already at the last stage (%).', r.stage using errcode = 'P0001';
    when 'failed' then
      return jsonb_build_object('ok', false, 'report', result -> 'report', 'message', result ->> 'message');
    else
      return jsonb_build_object('ok', true, 'transition_id', (result ->> 'transition_id')::bigint,
        'from_stage', r.stage, 'to_stage', r.stage + 1, 'kind', result ->> 'kind', 'report', result -> 'report');
  end case;
end
$$;

grant execute on function public.advance_workspace(uuid, uuid, integer, text, boolean, bigint) to authenticated;

-- Waves --------------------------------------------------------------------------------------

-- Deterministic wave order within a migration: canaries first, then a hash of
-- (migration, workspace). A fixed order is what makes 1 → 10 → 25 → 50 → 100 %
-- only ever add workspaces.
create or replace function app_private.wave_rank_key(p_migration uuid, p_workspace uuid)
returns text
language sql immutable set search_path = ''
as $$
  select substr(app_private.wave_order_key(p_migration, p_workspace, false), 2)
$$;

-- The wave order as one sortable key: canaries first, then the hash order. Every
-- reader of the order (waves, hand-picked advances, plan cohorts, the cached ranks,
-- a workspace's plan outlook, the migration page) sorts by this and nothing else.
-- No SET clause and one expression: the planner inlines it into every query that
-- sorts by it, so ordering 10 000 workspaces costs what writing the expression out
-- costs (a function call per row made the migration page 100 ms slower). It calls
-- only pg_catalog's md5 and casts, which are found before any schema on the path.
create or replace function app_private.wave_order_key(p_migration uuid, p_workspace uuid, p_is_canary boolean)
returns text
language sql immutable parallel safe
as $$
  select case when p_is_canary then '0' else '1' end || md5(p_migration::text || ':' || p_workspace::text)
$$;

-- The migration page sorts by it as the signed-in member (lib/rollouts/queries.ts).
grant execute on function app_private.wave_rank_key(uuid, uuid) to authenticated, service_role;
grant execute on function app_private.wave_order_key(uuid, uuid, boolean) to authenticated, service_role;

-- Moves workspaces at stage p_from_stage to the next stage: either p_percent of the
-- population at or beyond p_from_stage (so the first N % in wave order are past it),
-- or the next p_count in wave order. Gate failures and paused workspaces are
-- skipped and reported. With p_dry_run nothing is written: the same report is a preview.
create or replace function public.advance_wave(
  p_migration uuid, p_from_stage int, p_percent numeric default null, p_count int default null,
  p_reason text default '', p_dry_run boolean default false)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  population int;
  wanted int;
  already int;
  last int;
  r public.workspace_rollouts;
  item record;
  result jsonb;
  moved jsonb := '[]'::jsonb;
  failed jsonb := '[]'::jsonb;
  skipped jsonb := '[]'::jsonb;
  to_move int;
  looked int := 0;
begin
  perform app_private.require_role(case when p_dry_run then 'viewer' else 'operator' end,
    case when p_dry_run then 'previewing a wave' else 'advancing a wave' end);
  if (p_percent is null) = (p_count is null) then
    raise exception 'Give either a percentage or a count of workspaces, not both.' using errcode = 'P0001';
  end if;
  if p_percent is not null and (p_percent <= 0 or p_percent > 100) then
    raise exception 'The wave percentage must be between 0 and 100, not %.', p_percent using errcode = 'P0001';
  end if;
  if p_count is not null and p_count <= 0 then
    raise exception 'The wave size must be at least 1, not %.', p_count using errcode = 'P0001';
  end if;
  last := app_private.last_stage(p_migration);
  if p_from_stage < 0 or p_from_stage >= last then
    raise exception 'Stage % has no next stage to advance to.', p_from_stage using errcode = 'P0001';
  end if;
  if not p_dry_run then
    perform app_private.require_freeze_override(p_migration, p_reason);
  end if;

  select count(*) filter (where stage >= p_from_stage), count(*) filter (where stage > p_from_stage)
    into population, already
    from public.workspace_rollouts where migration_id = p_migration;
  wanted := case when p_percent is not null then greatest(0, ceil(population * p_percent / 100.0)::int - already)
                 else p_count end;
  to_move := wanted;

  -- Lock the candidates in a stable order (workspace id) to avoid deadlocks with
  -- other transitions, then walk them in wave order.
  perform 1 from public.workspace_rollouts
   where migration_id = p_migration and stage = p_from_stage
   order by workspace_id
   for update;

  for item in
    select r0 as rollout, w.slug, w.name, w.is_canary
      from public.workspace_rollouts r0 join public.workspaces w on w.id = r0.workspace_id
     where r0.migration_id = p_migration and r0.stage = p_from_stage
     order by app_private.wave_order_key(p_migration, r0.workspace_id, w.is_canary)
  loop
    exit when to_move <= 0;
    r := item.rollout;
    result := app_private.advance_one(r, last, p_reason, false, p_dry_run, 'wave')
      || jsonb_build_object('workspace_id', r.workspace_id, 'slug', item.slug, 'name', item.name, 'is_canary', item.is_canary);
    case result ->> 'outcome'
      when 'moved' then moved := moved || (result - 'report' - 'outcome');
      when 'failed' then failed := failed || (result - 'outcome');
      else skipped := skipped || (result - 'outcome');
    end case;
    -- A failed gate takes the slot: the wave never reaches past it to later workspaces.
    if result ->> 'outcome' <> 'skipped' then
      to_move := to_move - 1;
    end if;
    looked := looked + 1;
    perform app_private.report_progress(looked, jsonb_array_length(moved) + jsonb_array_length(failed), wanted, jsonb_array_length(moved), jsonb_array_length(failed), jsonb_array_length(skipped));
  end loop;

  perform app_private.report_progress(looked, jsonb_array_length(moved) + jsonb_array_length(failed), wanted, jsonb_array_length(moved), jsonb_array_length(failed), jsonb_array_length(skipped), true);
  return jsonb_build_object('dry_run', p_dry_run, 'from_stage', p_from_stage, 'to_stage', p_from_stage + 1,
    'population', population, 'already_past', already, 'wanted', wanted,
    'moved', moved, 'failed', failed, 'skipped', skipped);
end
$$;

grant execute on function public.advance_wave(uuid, integer, numeric, integer, text, boolean) to authenticated;

-- Advances hand-picked workspaces, each from its own stage, in wave order.
create or replace function public.advance_selected(
  p_migration uuid, p_workspaces uuid[], p_reason text default '', p_dry_run boolean default false)
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  item record;
  result jsonb;
  last int;
  moved jsonb := '[]'::jsonb;
  failed jsonb := '[]'::jsonb;
  skipped jsonb := '[]'::jsonb;
  looked int := 0;
begin
  perform app_private.require_role(case when p_dry_run then 'viewer' else 'operator' end,
    case when p_dry_run then 'previewing an advance' else 'advancing workspaces' end);
  if coalesce(cardinality(p_workspaces), 0) = 0 then
    raise exception 'Select at least one workspace.' using errcode = 'P0001';
  end if;
  if cardinality(p_workspaces) > 1000 then
    raise exception 'Select at most 1000 workspaces at a time (got %).', cardinality(p_workspaces) using errcode = 'P0001';
  end if;
  last := app_private.last_stage(p_migration);
  if not p_dry_run then
    perform app_private.require_freeze_override(p_migration, p_reason);
  end if;

  perform 1 from public.workspace_rollouts
   where migration_id = p_migration and workspace_id = any (p_workspaces)
   order by workspace_id for update;

  for item in
    select s.id as workspace_id, w.slug, w.name, w.is_canary, r0 as rollout
      from unnest(p_workspaces) as s(id)
      left join public.workspaces w on w.id = s.id
      left join public.workspace_rollouts r0 on r0.workspace_id = s.id and r0.migration_id = p_migration
     order by w.id is null, app_private.wave_order_key(p_migration, s.id, w.is_canary)
  loop
    result := app_private.advance_one(item.rollout, last, p_reason, false, p_dry_run, 'selected')
      || jsonb_build_object('workspace_id', item.workspace_id, 'slug', item.slug, 'name', item.name, 'is_canary', item.is_canary);
    case result ->> 'outcome'
      when 'moved' then moved := moved || (result - 'report' - 'outcome' - 'transition_id' - 'kind');
      when 'failed' then failed := failed || (result - 'outcome' - 'from_stage' - 'to_stage');
      else skipped := skipped || (result - 'outcome' - 'from_stage');
    end case;
    looked := looked + 1;
    perform app_private.report_progress(looked, looked, cardinality(p_workspaces), jsonb_array_length(moved), jsonb_array_length(failed), jsonb_array_length(skipped));
  end loop;

  perform app_private.report_progress(looked, looked, cardinality(p_workspaces), jsonb_array_length(moved), jsonb_array_length(failed), jsonb_array_length(skipped), true);
  return jsonb_build_object('dry_run', p_dry_run, 'moved', moved, 'failed', failed, 'skipped', skipped);
end
$$;

grant execute on function public.advance_selected(uuid, uuid[], text, boolean) to authenticated;
