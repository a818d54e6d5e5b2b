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

grant execute on function public.flag_bucket(text, text) to authenticated, service_role;

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
  perform app_private.require_role('viewer', 'reading flag values', true);
  return query
    select e.key, e.value, e.reason
    from app_private.evaluate_rules(p_workspace, coalesce(p_unit_id, p_workspace::text)) e
    order by e.key;
end
$$;

grant execute on function public.evaluate_flags(uuid, text) to authenticated, service_role;
