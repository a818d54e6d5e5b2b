-- How a plan tells people a moment: in the plan's own time zone, named
-- ("Mon 07 Dec 09:00 Europe/Berlin"), in every reason, refusal and notice.

create or replace function app_private.plan_local_time(p_at timestamptz, p_time_zone text)
returns text
language sql stable set search_path = ''
as $$
  select to_char(p_at at time zone p_time_zone, 'Dy DD Mon HH24:MI') || ' ' || p_time_zone
$$;

revoke all on function app_private.plan_local_time(timestamptz, text) from public, anon, authenticated, service_role;
