-- The plan engine's cached wave order.
--
-- A step's cohort is a slice of its migration's wave order (canaries first, then
-- app_private.wave_rank_key), which costs a hash and a sort of every enrolled
-- workspace. The order only changes when the population does, so it is computed
-- once into app_private.wave_ranks and reused by every tick:
--   * statement triggers bump app_private.wave_versions.version when workspaces are
--     enrolled or unenrolled, or a workspace's canary flag or tier changes;
--   * app_private.refresh_wave_ranks(m), called by the tick under the version row's
--     lock, recomputes the migration's ranks when its cached version is behind.
-- A change committed while a tick computes the ranks bumps the version after the
-- tick read it, so the next tick recomputes: the cache is never silently stale.
-- requires: rollouts/advance.sql

-- Enrollments and unenrollments (transition table "changed").
create or replace function app_private.wave_population_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  insert into app_private.wave_versions as v (migration_id)
  select distinct c.migration_id from changed c order by 1
  on conflict (migration_id) do update set version = v.version + 1;
  return null;
end
$$;

revoke all on function app_private.wave_population_changed() from public, anon, authenticated, service_role;

-- A workspace's canary flag or tier changed: every migration it is enrolled in.
create or replace function app_private.wave_workspaces_changed() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  update app_private.wave_versions v set version = v.version + 1
   where v.migration_id in (
     select r.migration_id
       from new_rows n join old_rows o on o.id = n.id
       join public.workspace_rollouts r on r.workspace_id = n.id
      where n.is_canary is distinct from o.is_canary or n.tier is distinct from o.tier);
  return null;
end
$$;

revoke all on function app_private.wave_workspaces_changed() from public, anon, authenticated, service_role;

drop trigger if exists wave_enrolled on public.workspace_rollouts;
create trigger wave_enrolled after insert on public.workspace_rollouts
  referencing new table as changed for each statement execute function app_private.wave_population_changed();

drop trigger if exists wave_unenrolled on public.workspace_rollouts;
create trigger wave_unenrolled after delete on public.workspace_rollouts
  referencing old table as changed for each statement execute function app_private.wave_population_changed();

drop trigger if exists wave_workspaces_changed on public.workspaces;
create trigger wave_workspaces_changed after update on public.workspaces
  referencing old table as old_rows new table as new_rows
  for each statement execute function app_private.wave_workspaces_changed();

-- Brings a migration's cached wave order up to date; returns its population.
-- Recomputing locks the version row: call it before locking rollout rows.
create or replace function app_private.refresh_wave_ranks(p_migration uuid)
returns int
language plpgsql security definer set search_path = ''
as $$
declare
  v app_private.wave_versions;
begin
  -- Up to date (the common case): no lock, no write.
  select * into v from app_private.wave_versions where migration_id = p_migration;
  if found and v.cached_version = v.version then
    return v.population;
  end if;
  select * into v from app_private.wave_versions where migration_id = p_migration for update;
  if not found then
    insert into app_private.wave_versions (migration_id) values (p_migration) on conflict (migration_id) do nothing;
    select * into v from app_private.wave_versions where migration_id = p_migration for update;
  end if;
  if v.cached_version = v.version then
    return v.population;
  end if;
  delete from app_private.wave_ranks where migration_id = p_migration;
  insert into app_private.wave_ranks (migration_id, workspace_id, wave_rank, is_canary, tier)
  select p_migration, r.workspace_id,
         row_number() over (order by app_private.wave_order_key(p_migration, r.workspace_id, w.is_canary)),
         w.is_canary, w.tier
    from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
   where r.migration_id = p_migration;
  update app_private.wave_versions
     set cached_version = v.version,
         population = (select count(*) from app_private.wave_ranks where migration_id = p_migration)
   where migration_id = p_migration
  returning population into v.population;
  return v.population;
end
$$;

revoke all on function app_private.refresh_wave_ranks(uuid) from public, anon, authenticated, service_role;

-- A step's cohort from the cached wave order (refresh it first), in wave order;
-- the same workspaces as app_private.plan_cohort. p_population: the migration's
-- enrolled workspaces (refresh_wave_ranks' result). Inlined into its callers (no
-- SET clause), so the rank bound reaches the (migration_id, wave_rank) index.
create or replace function app_private.plan_step_cohort(p_migration uuid, s public.rollout_plan_steps, p_population int)
returns table (workspace_id uuid, wave_rank bigint)
language sql stable
as $$
  select c.workspace_id, c.wave_rank from app_private.wave_ranks c
   where c.migration_id = p_migration
     and c.wave_rank <= (case when s.cohort_kind = 'percent' then ceil(p_population * s.cohort_percent / 100.0) else p_population end)::bigint
     and case s.cohort_kind
           when 'canaries' then c.is_canary
           when 'tier' then c.tier = s.cohort_tier
           when 'workspaces' then c.workspace_id = any (s.cohort_workspaces)
           when 'percent' then true
           else false
         end
$$;

revoke all on function app_private.plan_step_cohort(uuid, public.rollout_plan_steps, integer) from public, anon, authenticated, service_role;
