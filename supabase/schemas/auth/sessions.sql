-- Server-side session checks (tables in migration 20261202043053_sessions.sql).
-- lib/auth/session.ts calls public.session_role once per request: it answers
-- whether the caller's session is still open and the caller's member role, in one
-- round trip over two primary-key lookups.

-- Creating triggers takes locks: bounded, as every migration's statements are.
set statement_timeout = '60s';

-- p_session_id: the local-mode session id (null in Supabase mode, where only the
-- per-user floor applies); p_issued_at: the token's iat (epoch seconds).
create or replace function public.session_role(p_session_id uuid, p_issued_at bigint)
returns table (valid boolean, role text)
language sql stable security definer set search_path = ''
as $$
  select
    (p_session_id is null or exists (
       select 1 from app_private.sessions s
        where s.id = p_session_id and s.user_id = (select auth.uid()) and s.ended_at is null and s.expires_at > now()))
    -- The floor is for tokens the server keeps no row for (Supabase mode): local
    -- sessions are ended row by row, and a sign-in right after a role change in the
    -- same second must work.
    and (p_session_id is not null or not exists (
       select 1 from app_private.session_floors f
        where f.user_id = (select auth.uid()) and (p_issued_at is null or to_timestamp(p_issued_at) <= f.valid_after))),
    (select m.role from public.members m where m.user_id = (select auth.uid()))
$$;
revoke all on function public.session_role(uuid, bigint) from public, anon, authenticated, service_role;
grant execute on function public.session_role(uuid, bigint) to authenticated;

-- Ends every session of a user, now: open local sessions are closed and every token
-- issued until now (Supabase Auth's included) stops working.
create or replace function app_private.end_user_sessions(p_user_id uuid) returns void
language sql volatile security definer set search_path = ''
as $$
  update app_private.sessions set ended_at = now() where user_id = p_user_id and ended_at is null;
  insert into app_private.session_floors (user_id, valid_after) values (p_user_id, now())
  on conflict (user_id) do update set valid_after = greatest(app_private.session_floors.valid_after, excluded.valid_after);
$$;
revoke all on function app_private.end_user_sessions(uuid) from public, anon, authenticated, service_role;

-- "Sign out everywhere": a user for themselves, or an admin for anyone. Audited.
create or replace function public.end_all_sessions(p_user_id uuid default null) returns void
language plpgsql volatile security definer set search_path = ''
as $$
declare
  target uuid := coalesce(p_user_id, (select auth.uid()));
begin
  if target is null then
    raise exception 'Not signed in' using errcode = 'insufficient_privilege';
  end if;
  if target is distinct from (select auth.uid()) and not app_private.has_role('admin') then
    raise exception 'only an admin may end another user''s sessions' using errcode = 'insufficient_privilege';
  end if;
  perform app_private.end_user_sessions(target);
  perform app_private.audit('sessions.end_all', 'user', target::text, '{}'::jsonb);
end
$$;
revoke all on function public.end_all_sessions(uuid) from public, anon, authenticated, service_role;
grant execute on function public.end_all_sessions(uuid) to authenticated;

-- Removal from members and a role change end the user's sessions at once.
create or replace function app_private.end_sessions_on_member_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  if tg_op = 'DELETE' or old.role is distinct from new.role or old.user_id is distinct from new.user_id then
    perform app_private.end_user_sessions(old.user_id);
  end if;
  return null;
end
$$;
revoke all on function app_private.end_sessions_on_member_change() from public, anon, authenticated, service_role;

drop trigger if exists members_end_sessions on public.members;
create trigger members_end_sessions after update or delete on public.members
  for each row execute function app_private.end_sessions_on_member_change();
