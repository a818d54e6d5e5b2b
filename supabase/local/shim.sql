-- A local stand-in for a Supabase project, applied to a plain Postgres database by
-- a superuser (the project's scripts do it for the embedded Postgres and for the
-- test databases; never on a real Supabase project). It gives the database what
-- the migrations rely on, the way Supabase's own setup does, so that what passes
-- here also holds there:
--   * the API roles anon, authenticated, service_role (service_role bypasses RLS),
--     and `authenticator`, the role the API gateway logs in as;
--   * a migrating role that is NOT a superuser, with the attributes Supabase gives
--     `postgres` (CREATEDB, CREATEROLE, REPLICATION, BYPASSRLS), member of the API
--     roles. Here it is called rollout_owner: a cluster's bootstrap superuser is
--     already named postgres and cannot be demoted;
--   * Supabase's default privileges: everything the migrating role creates in
--     `public` is granted ALL to anon, authenticated and service_role (the
--     migrations close that again, supabase/migrations/*_closed_by_default.sql);
--   * pgcrypto and uuid-ossp in an `extensions` schema;
--   * an `auth` schema owned by the auth service's role and not writable by the
--     migrating role, with `auth.users` shaped as the auth service creates it (no
--     default id or created_at, e-mail unique only among non-SSO users, RLS on)
--     and auth.uid() / role() / email() / jwt() reading request.jwt.claims.
-- Written from Supabase's documentation of roles, default privileges and the auth
-- schema. Idempotent: re-applied before every migration run.

-- Roles are shared by the cluster; two databases set up at once may race to create them.
do $$
declare
  spec text[];
begin
  foreach spec slice 1 in array array[
    ['anon', 'nologin noinherit'], ['authenticated', 'nologin noinherit'],
    ['service_role', 'nologin noinherit bypassrls'], ['authenticator', 'login noinherit'],
    ['supabase_auth_admin', 'nologin noinherit createrole'],
    ['rollout_owner', 'login password ''rollout-owner-local''']]
  loop
    if not exists (select 1 from pg_roles where rolname = spec[1]) then
      begin
        execute format('create role %I %s', spec[1], spec[2]);
      exception when duplicate_object or unique_violation then
        null;
      end;
    end if;
  end loop;
end
$$;
alter role rollout_owner nosuperuser createdb createrole replication bypassrls;
alter role service_role bypassrls;
grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to rollout_owner;

-- The migrating role creates schemas (app_private, graphile_worker, …) and objects in public.
do $$
begin
  execute format('grant connect, create, temporary on database %I to rollout_owner', current_database());
end
$$;
grant usage, create on schema public to rollout_owner;
grant usage on schema public to anon, authenticated, service_role;

-- Supabase's default privileges for objects its migrating role creates in public.
alter default privileges for role rollout_owner in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges for role rollout_owner in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges for role rollout_owner in schema public grant all on sequences to anon, authenticated, service_role;

create schema if not exists extensions;
grant usage on schema extensions to rollout_owner, anon, authenticated, service_role;
create extension if not exists pgcrypto with schema extensions;
create extension if not exists "uuid-ossp" with schema extensions;

-- The auth schema belongs to the auth service.
create schema if not exists auth authorization supabase_auth_admin;
grant usage on schema auth to rollout_owner, anon, authenticated, service_role;

create table if not exists auth.users (
  instance_id uuid,
  id uuid not null primary key,
  aud varchar(255),
  role varchar(255),
  email varchar(255),
  encrypted_password varchar(255),
  email_confirmed_at timestamptz,
  invited_at timestamptz,
  confirmation_token varchar(255),
  recovery_token varchar(255),
  last_sign_in_at timestamptz,
  raw_app_meta_data jsonb,
  raw_user_meta_data jsonb,
  is_super_admin boolean,
  created_at timestamptz,
  updated_at timestamptz,
  phone text,
  banned_until timestamptz,
  is_sso_user boolean not null default false,
  deleted_at timestamptz,
  is_anonymous boolean not null default false
);
-- Databases first set up by Rollout Console 0.1.0 have a simpler auth.users: give
-- them the columns the auth service has.
alter table auth.users add column if not exists is_sso_user boolean not null default false;
alter table auth.users add column if not exists deleted_at timestamptz;
alter table auth.users add column if not exists is_anonymous boolean not null default false;
create unique index if not exists users_email_partial_key on auth.users (email) where (is_sso_user = false);
alter table auth.users enable row level security;
alter table auth.users owner to supabase_auth_admin;
-- The service connection reads passwords for local sign-in and creates users (seed,
-- tests); tables of the app reference auth.users(id).
grant select, insert, update, delete, references on auth.users to rollout_owner;

create or replace function auth.jwt() returns jsonb
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim', true), ''),
    nullif(current_setting('request.jwt.claims', true), '')
  )::jsonb
$$;

create or replace function auth.uid() returns uuid
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;

create or replace function auth.role() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.role', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
  )::text
$$;

create or replace function auth.email() returns text
language sql stable
as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.email', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
  )::text
$$;

alter function auth.jwt() owner to supabase_auth_admin;
alter function auth.uid() owner to supabase_auth_admin;
alter function auth.role() owner to supabase_auth_admin;
alter function auth.email() owner to supabase_auth_admin;
grant execute on all functions in schema auth to rollout_owner, anon, authenticated, service_role;

-- Databases first migrated by 0.1.0 ran their migrations as the superuser: hand
-- the application's objects to the migrating role so that later migrations,
-- which run as that role, can replace them.
do $$
declare
  o record;
begin
  for o in
    select n.nspname from pg_namespace n
     where n.nspname in ('app_private', 'supabase_migrations', 'graphile_worker')
       and n.nspowner <> 'rollout_owner'::regrole
  loop
    execute format('alter schema %I owner to rollout_owner', o.nspname);
  end loop;
  for o in
    select c.oid::regclass as name, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where n.nspname in ('public', 'app_private', 'supabase_migrations', 'graphile_worker')
       and c.relkind in ('r', 'p', 'v', 'm', 'S') and c.relowner <> 'rollout_owner'::regrole
       -- a sequence owned by a column moves with its table
       and not (c.relkind = 'S' and exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype in ('a', 'i')))
  loop
    execute format('alter %s %s owner to rollout_owner',
      case o.relkind when 'v' then 'view' when 'm' then 'materialized view' when 'S' then 'sequence' else 'table' end, o.name);
  end loop;
  for o in
    select p.oid::regprocedure as name, p.prokind from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where n.nspname in ('public', 'app_private', 'graphile_worker') and p.proowner <> 'rollout_owner'::regrole
       and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
  loop
    execute format('alter %s %s owner to rollout_owner', case o.prokind when 'a' then 'aggregate' when 'p' then 'procedure' else 'function' end, o.name);
  end loop;
  for o in
    select t.oid::regtype as name from pg_type t join pg_namespace n on n.oid = t.typnamespace
     where n.nspname in ('public', 'app_private', 'graphile_worker') and t.typowner <> 'rollout_owner'::regrole
       and t.typtype in ('e', 'd', 'c') and (t.typrelid = 0 or (select relkind from pg_class where oid = t.typrelid) = 'c')
  loop
    execute format('alter type %s owner to rollout_owner', o.name);
  end loop;
end
$$;
