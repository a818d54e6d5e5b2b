-- Role rank of the calling user: 0 none, 1 viewer, 2 operator, 3 admin.
create or replace function app_private.role_rank(role_name text) returns int
language sql immutable set search_path = ''
as $$
  select case role_name when 'admin' then 3 when 'operator' then 2 when 'viewer' then 1 else 0 end
$$;

grant execute on function app_private.role_rank(text) to authenticated, service_role;

create or replace function app_private.current_member_role() returns text
language sql stable security definer set search_path = ''
as $$
  select m.role from public.members m where m.user_id = (select auth.uid())
$$;

grant execute on function app_private.current_member_role() to authenticated, service_role;

-- True when the caller is a member with at least `required` (viewer < operator < admin).
create or replace function app_private.has_role(required text) returns boolean
language sql stable security definer set search_path = ''
as $$
  select coalesce(
    app_private.role_rank(app_private.current_member_role()) >= app_private.role_rank(required)
      and app_private.role_rank(required) > 0,
    false)
$$;

grant execute on function app_private.has_role(text) to authenticated, service_role;

-- The one role check of every security-definer function: refuses (42501) unless the
-- caller is a member with at least p_role. With p_system_may, the system may too:
-- the service connection (no `set role`: the worker, migrations, psql) or
-- Supabase's service_role; flag kill switches and guardrails act as the system.
-- Security definer does not change the `role` setting, so this sees the role the
-- request runs as.
-- 0.1.0 had a two-argument require_role and a separate require_flag_role /
-- flag_caller_may for flags; this one replaces all three.
drop function if exists app_private.require_role(text, text);
drop function if exists app_private.require_flag_role(text, text);
drop function if exists app_private.flag_caller_may(text);
create or replace function app_private.require_role(p_role text, p_what text, p_system_may boolean default false)
returns void
language plpgsql stable security definer set search_path = ''
as $$
begin
  if app_private.has_role(p_role) then
    return;
  end if;
  if p_system_may and coalesce(nullif(current_setting('role', true), ''), 'none') in ('none', 'service_role') then
    return;
  end if;
  raise exception 'Not allowed: % needs the % role.', p_what, p_role using errcode = '42501';
end
$$;
