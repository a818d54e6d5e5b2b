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

grant execute on function public.ingest_token_lookup(text) to anon, authenticated, service_role;

-- Resolves the token (hash) to its grant. Null when unknown or revoked.
create or replace function app_private.token_grant(p_token_hash text)
returns table (id uuid, workspace_ids uuid[], scopes text[])
language sql stable security definer set search_path = ''
as $$
  select t.id, t.workspace_ids, t.scopes from public.ingest_tokens t
  where t.token_hash = p_token_hash and t.revoked_at is null
$$;

-- The read side's token check for endpoints answered by one SQL call (plan, verdict):
-- 200 with the grant's workspaces (null = all), or the refusal's status and message.
create or replace function app_private.read_grant(p_token_hash text, p_scope text,
  out status int, out message text, out workspace_ids uuid[])
language plpgsql security definer set search_path = ''
as $$
declare
  g record;
begin
  select t.workspace_ids, t.scopes into g from public.ingest_token_lookup(p_token_hash) t limit 1;
  if not found then
    status := 401; message := 'Invalid or revoked token';
  elsif not (p_scope = any (g.scopes)) then
    status := 403; message := format('This token lacks the ''%s'' scope', p_scope);
  else
    status := 200; workspace_ids := g.workspace_ids;
  end if;
end
$$;
revoke all on function app_private.read_grant(text, text) from public, anon, authenticated, service_role;

-- Ingest tokens, managed from Settings by admins -----------------------------------------

-- Creates a token from its hash (the raw token never reaches the database) and audits it.
create or replace function public.create_ingest_token(p_name text, p_token_hash text, p_prefix text,
  p_workspace_ids uuid[], p_scopes text[])
returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if not app_private.has_role('admin') then
    raise exception 'Only admins can create ingest tokens.' using errcode = '42501';
  end if;
  if p_workspace_ids is not null and exists (
    select 1 from unnest(p_workspace_ids) u(id) where not exists (select 1 from public.workspaces w where w.id = u.id)) then
    raise exception 'One of the chosen workspaces no longer exists.';
  end if;
  insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids, scopes, created_by)
  values (p_name, p_token_hash, p_prefix, p_workspace_ids, p_scopes, (select auth.uid()))
  returning id into v_id;
  perform app_private.audit('ingest_token.create', 'ingest_token', v_id::text,
    jsonb_build_object('name', p_name, 'prefix', p_prefix, 'workspace_ids', p_workspace_ids, 'scopes', p_scopes));
  return v_id;
end
$$;

grant execute on function public.create_ingest_token(text, text, text, uuid[], text[]) to authenticated;

-- Revokes a token at once (the ingest functions check revoked_at on every batch).
create or replace function public.revoke_ingest_token(p_id uuid) returns boolean
language plpgsql security definer
set search_path = ''
as $$
declare
  v_name text;
begin
  if not app_private.has_role('admin') then
    raise exception 'Only admins can revoke ingest tokens.' using errcode = '42501';
  end if;
  update public.ingest_tokens set revoked_at = now() where id = p_id and revoked_at is null
  returning name into v_name;
  if not found then
    raise exception 'This token does not exist or is already revoked.';
  end if;
  perform app_private.audit('ingest_token.revoke', 'ingest_token', p_id::text, jsonb_build_object('name', v_name));
  return true;
end
$$;

grant execute on function public.revoke_ingest_token(uuid) to authenticated;
