-- Sessions that end on the server (issue 13): a local-mode session cookie names a
-- row here, checked on every request; sign-out, "sign out everywhere", removal
-- from members and a role change end the rows at once. session_floors holds, per
-- user, the moment before which every token (also Supabase Auth's) is void.
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists app_private.sessions (
  id uuid primary key,
  user_id uuid not null references auth.users (id) on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  ended_at timestamptz
);
create index if not exists sessions_open_by_user_idx on app_private.sessions (user_id) where ended_at is null;

create table if not exists app_private.session_floors (
  user_id uuid primary key references auth.users (id) on delete cascade,
  valid_after timestamptz not null
);

revoke all on app_private.sessions, app_private.session_floors from public, anon, authenticated;
