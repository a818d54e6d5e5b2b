-- The identifier rules in SQL, the same patterns as lib/validation/identifiers.ts
-- (tests/integration/identifiers.test.ts compares the two on random strings).
-- Kinds: workspace_slug, migration_key, stage_key, flag_key, metric_name.
create or replace function app_private.identifier_pattern(p_kind text)
returns text
language sql immutable parallel safe set search_path = ''
as $$
  select case p_kind
    when 'workspace_slug' then '^[a-z0-9][a-z0-9-]{0,62}$'
    when 'migration_key' then '^[a-z0-9][a-z0-9_-]{0,62}$'
    when 'stage_key' then '^[a-z0-9][a-z0-9_-]{0,62}$'
    when 'flag_key' then '^[a-z0-9][a-z0-9_.-]{0,99}$'
    when 'metric_name' then '^[A-Za-z][A-Za-z0-9_.:-]{0,63}$'
  end
$$;

-- True when p_value is an identifier of the kind; an unknown kind is an error.
create or replace function app_private.is_identifier(p_kind text, p_value text)
returns boolean
language plpgsql immutable parallel safe set search_path = ''
as $$
declare
  pattern text := app_private.identifier_pattern(p_kind);
begin
  if pattern is null then
    raise exception 'unknown identifier kind %', p_kind;
  end if;
  return p_value ~ pattern;
end
$$;

-- Check constraints call these as whoever writes the row.
grant execute on function app_private.identifier_pattern(text) to authenticated, service_role;
grant execute on function app_private.is_identifier(text, text) to authenticated, service_role;
