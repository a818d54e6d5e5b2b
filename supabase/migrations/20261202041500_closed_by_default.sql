-- Objects start closed. On a Supabase project every table, function and sequence
-- the migrating role creates in `public` is granted ALL to anon, authenticated and
-- service_role by default, and every function is executable by PUBLIC. From here
-- on, nothing is reachable by an API role unless a definition file under
-- supabase/schemas/ grants it on purpose (tests/integration/privileges.test.ts
-- keeps those grants to an allow-list).
set lock_timeout = '5s';
set statement_timeout = '60s';

alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke all on tables from anon, authenticated, service_role;
alter default privileges in schema public revoke all on sequences from anon, authenticated, service_role;
alter default privileges in schema public revoke all on functions from anon, authenticated, service_role;
alter default privileges in schema app_private revoke all on tables from anon, authenticated, service_role;
alter default privileges in schema app_private revoke all on functions from anon, authenticated, service_role;

-- What exists already: closed here, opened again by the definition files.
revoke all on all functions in schema public, app_private from public, anon, authenticated, service_role;
revoke all on all sequences in schema public, app_private from anon, authenticated, service_role;
revoke all on all tables in schema app_private from anon, authenticated, service_role;
revoke all on schema app_private from anon;
