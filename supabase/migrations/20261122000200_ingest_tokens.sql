-- Ingest tokens: how the user's own services authenticate to /api/v1/*.
-- Stored as sha256 only; the raw token is shown once at creation. Optionally
-- scoped to some workspaces; revocation takes effect on the next request.
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists public.ingest_tokens (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 100),
  token_hash text not null unique check (token_hash ~ '^[0-9a-f]{64}$'),
  -- First characters of the token, shown in Settings to tell tokens apart.
  prefix text not null,
  -- null: every workspace; otherwise only these.
  workspace_ids uuid[],
  scopes text[] not null default array['metrics:write', 'feedback:write', 'state:read']
    check (scopes <@ array['metrics:write', 'feedback:write', 'state:read']),
  created_by uuid,
  created_at timestamptz not null default now(),
  revoked_at timestamptz,
  last_used_at timestamptz
);

alter table public.ingest_tokens enable row level security;
create policy ingest_tokens_select on public.ingest_tokens for select to authenticated
  using ((select app_private.has_role('admin')));
create policy ingest_tokens_insert on public.ingest_tokens for insert to authenticated
  with check ((select app_private.has_role('admin')));
create policy ingest_tokens_update on public.ingest_tokens for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));
create policy ingest_tokens_delete on public.ingest_tokens for delete to authenticated
  using ((select app_private.has_role('admin')));

revoke all on public.ingest_tokens from anon, authenticated;
grant select, insert, update, delete on public.ingest_tokens to authenticated;
grant select on public.ingest_tokens to service_role;

-- Resolves a token hash to its grant, for API requests that run as `anon`.
-- Returns no row for unknown or revoked tokens. Records last use at most once a minute.
create or replace function public.ingest_token_lookup(p_hash text)
returns table (id uuid, name text, workspace_ids uuid[], scopes text[])
language plpgsql security definer set search_path = ''
as $$
begin
  return query
    update public.ingest_tokens t
       set last_used_at = now()
     where t.token_hash = p_hash and t.revoked_at is null
       and (t.last_used_at is null or t.last_used_at < now() - interval '1 minute')
    returning t.id, t.name, t.workspace_ids, t.scopes;
  if not found then
    return query
      select t.id, t.name, t.workspace_ids, t.scopes from public.ingest_tokens t
       where t.token_hash = p_hash and t.revoked_at is null;
  end if;
end
$$;
revoke all on function public.ingest_token_lookup(text) from public;
grant execute on function public.ingest_token_lookup(text) to anon, authenticated, service_role;
