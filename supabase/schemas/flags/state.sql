-- The state document of a workspace, as the API returns it (text, so its md5 is the ETag).
create or replace function app_private.state_body(p_workspace uuid, p_unit_id text) returns text
language plpgsql stable security definer set search_path = ''
as $$
begin
  return jsonb_build_object(
    'workspace', (select jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) from public.workspaces w where w.id = p_workspace),
    'unit', p_unit_id,
    'migrations', coalesce((
      select jsonb_object_agg(m.key, jsonb_build_object(
        'stage', coalesce(r.stage, 0), 'stageKey', s.key, 'stageName', s.name,
        'status', coalesce(r.status, 'not_enrolled'),
        'lastStage', (select max(x.position) from public.migration_stages x where x.migration_id = m.id)))
      from public.migrations m
      left join public.workspace_rollouts r on r.migration_id = m.id and r.workspace_id = p_workspace
      left join public.migration_stages s on s.migration_id = m.id and s.position = coalesce(r.stage, 0)), '{}'::jsonb),
    'flags', coalesce((
      select jsonb_object_agg(e.key, jsonb_build_object('value', e.value, 'reason', e.reason, 'mode', e.mode, 'rolloutBps', e.rollout_bps))
      from app_private.evaluate_rules(p_workspace, p_unit_id) e), '{}'::jsonb)
  )::text;
end
$$;

-- One round trip per API request: authenticates the token (revocation counts on
-- the very next request: nothing is cached), checks scope and workspace, builds
-- the state and its ETag, and leaves the body out when an If-None-Match tag matches.
create or replace function public.workspace_state(p_token_hash text, p_slug text, p_unit_id text, p_etags text[])
returns table (status int, etag text, body text, message text)
language plpgsql security definer set search_path = ''
as $$
declare
  g record;
  v_ws uuid;
  v_body text;
  v_etag text;
begin
  select t.workspace_ids, t.scopes into g from public.ingest_token_lookup(p_token_hash) t limit 1;
  if not found then
    return query select 401, null::text, null::text, 'Invalid or revoked token';
    return;
  end if;
  if not ('state:read' = any (g.scopes)) then
    return query select 403, null::text, null::text, 'This token lacks the ''state:read'' scope';
    return;
  end if;
  select w.id into v_ws from public.workspaces w where w.slug = p_slug;
  if v_ws is null then
    return query select 404, null::text, null::text, format('No workspace with slug "%s"', p_slug);
    return;
  end if;
  if g.workspace_ids is not null and not (v_ws = any (g.workspace_ids)) then
    return query select 403, null::text, null::text, format('This token is not valid for workspace "%s"', p_slug);
    return;
  end if;
  v_body := app_private.state_body(v_ws, coalesce(p_unit_id, v_ws::text));
  v_etag := '"' || md5(v_body) || '"';
  if v_etag = any (p_etags) or '*' = any (p_etags) then
    return query select 304, v_etag, null::text, null::text;
  else
    return query select 200, v_etag, v_body, null::text;
  end if;
end
$$;

grant execute on function public.workspace_state(text, text, text, text[]) to anon, authenticated, service_role;
