-- POST /api/v1/feedback, as `anon`; same checks as ingest_metrics. Items are
-- jsonb objects with w/m indexes into p_workspaces/p_migrations. The stage is the
-- workspace's stage of that migration at receipt.
create or replace function public.ingest_feedback(
  p_token_hash text, p_idempotency_key text, p_request_hash text,
  p_workspaces text[], p_migrations text[], p_pairs int[], p_items jsonb)
returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  v_token record;
  v_targets record;
  v_prev jsonb;
  v_count bigint;
  v_result jsonb;
begin
  select * into v_token from app_private.token_grant(p_token_hash);
  if not found then
    return jsonb_build_object('error', 'invalid_token');
  end if;
  if not ('feedback:write' = any (v_token.scopes)) then
    return jsonb_build_object('error', 'missing_scope', 'scope', 'feedback:write');
  end if;
  select * into v_targets from app_private.resolve_targets(v_token.workspace_ids, p_workspaces, p_migrations, p_pairs);
  if v_targets.problem is not null then
    return v_targets.problem;
  end if;
  v_prev := app_private.claim_idempotency(v_token.id, p_idempotency_key, p_request_hash);
  if v_prev is not null then
    return v_prev;
  end if;
  insert into public.feedback_tracking (time, workspace_id, migration_id, stage, kind, rating, message, source, reporter, context, variant)
  select coalesce(to_timestamp(i.t), now()), v_targets.ws_ids[i.w], v_targets.mig_ids[i.m], r.stage,
         i.kind, i.rating, i.message, i.source, i.reporter, i.context, i.variant
  from jsonb_to_recordset(p_items) as i(w int, m int, t double precision, kind text, rating int, message text,
                                        source text, reporter text, context jsonb, variant text)
  left join public.workspace_rollouts r on r.workspace_id = v_targets.ws_ids[i.w] and r.migration_id = v_targets.mig_ids[i.m];
  get diagnostics v_count = row_count;
  v_result := jsonb_build_object('accepted', v_count,
                                 'workspace_ids', to_jsonb(v_targets.ws_ids), 'migration_ids', to_jsonb(v_targets.mig_ids));
  if p_idempotency_key is not null then
    update app_private.ingest_requests set response = v_result
    where token_id = v_token.id and key = p_idempotency_key;
  end if;
  update public.ingest_tokens set last_used_at = now()
  where id = v_token.id and (last_used_at is null or last_used_at < now() - interval '1 minute');
  return v_result;
end
$$;

grant execute on function public.ingest_feedback(text, text, text, text[], text[], integer[], jsonb) to anon, authenticated, service_role;

-- Complaints + bug reports + ratings of 1 or 2, for stage gates and guardrails.
create or replace function public.negative_feedback_count(p_workspace uuid, p_migration uuid, p_from timestamptz, p_to timestamptz)
returns bigint
language sql stable
set search_path = ''
as $$
  select count(*) from public.feedback_tracking f
  where (p_workspace is null or f.workspace_id = p_workspace) and f.migration_id = p_migration
    and f.time >= p_from and f.time < p_to
    and (f.kind in ('complaint', 'bug') or (f.kind = 'rating' and f.rating <= 2))
$$;

grant execute on function public.negative_feedback_count(uuid, uuid, timestamp with time zone, timestamp with time zone) to authenticated, service_role;
