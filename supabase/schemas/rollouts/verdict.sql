-- The gate verdict for tools that already run rollouts (Argo Rollouts' Web metric
-- provider, Flagger's webhooks): GET/POST /api/v1/migrations/{key}/verdict, answered
-- from the same gate report an advance evaluates (rollouts/gate.sql), so "pass" here
-- means exactly "an advance would pass its gate now".
-- requires: rollouts/gate.sql, tokens/ingest_tokens.sql

-- One workspace's verdict on its gate to p_target (default: its next stage; at the
-- last stage, the last stage's gate again). verdict: pass | fail | inconclusive;
-- checks carry observed, threshold, interval, n per variant, their own verdict and
-- the reason. Too few samples or too short a soak is inconclusive (waiting settles it),
-- as is missing data; a paused or rolled-back rollout fails (a guardrail or a person stopped it).
create or replace function app_private.workspace_verdict(r public.workspace_rollouts, p_slug text, p_target int, p_last int)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  target int := coalesce(p_target, least(r.stage + 1, p_last));
  rep jsonb;
  checks jsonb;
  verdict text;
  reason text;
begin
  if p_last < 1 then
    return jsonb_build_object('workspace', p_slug, 'stage', r.stage, 'status', r.status, 'target_stage', null,
      'verdict', 'inconclusive', 'passed', false, 'reason', 'This migration has no stage beyond 0, so no gate to judge.',
      'checks', '[]'::jsonb, 'evaluated_at', now());
  end if;
  rep := app_private.gate_report(r.workspace_id, r.migration_id, greatest(target, 1));
  select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object(
      'check', c ->> 'check', 'label', c ->> 'label',
      -- too few samples or too short a soak is a wait, not a regression: inconclusive
      'verdict', case when c ->> 'status' = 'pass' then 'pass'
                      when c ->> 'status' = 'fail' and c ->> 'check' not in ('min_samples', 'soak_time') then 'fail'
                      else 'inconclusive' end,
      'status', c ->> 'status', 'observed', c -> 'observed', 'threshold', c -> 'threshold',
      'comparator', c ->> 'comparator', 'unit', c ->> 'unit',
      'interval', case when c ? 'lower' and c -> 'lower' <> 'null'::jsonb then jsonb_build_array(c -> 'lower', c -> 'upper') end,
      'n_old', c -> 'n_old', 'n_new', c -> 'n_new',
      'reason', case c ->> 'status'
        when 'pass' then null
        when 'no_data' then coalesce(c ->> 'source_error', 'no data: not enough samples in the window')
        when 'inconclusive' then coalesce(c ->> 'summary', 'inconclusive')
        else coalesce(c ->> 'summary', format('%s = %s, limit %s %s', c ->> 'label', coalesce(c ->> 'observed', '—'), c ->> 'comparator', c ->> 'threshold')) end))
      order by i), '[]'::jsonb)
    into checks
    from jsonb_array_elements(rep -> 'checks') with ordinality e(c, i);
  if r.status <> 'active' then
    checks := checks || jsonb_build_object('check', 'rollout_status', 'label', 'Rollout is active',
      'verdict', 'fail', 'status', 'fail', 'observed', r.status, 'threshold', 'active',
      'reason', case r.status when 'rolled_back' then 'The workspace was rolled back.' else 'The workspace is paused.' end);
  end if;
  verdict := case when exists (select 1 from jsonb_array_elements(checks) c where c ->> 'verdict' = 'fail') then 'fail'
                  when exists (select 1 from jsonb_array_elements(checks) c where c ->> 'verdict' <> 'pass') then 'inconclusive'
                  else 'pass' end;
  if verdict <> 'pass' then
    select string_agg(format('%s: %s', c ->> 'label', c ->> 'reason'), '; ' order by i) into reason
      from jsonb_array_elements(checks) with ordinality e(c, i) where c ->> 'verdict' <> 'pass';
    reason := (case verdict when 'fail' then 'Gate fails — ' else 'Gate inconclusive — ' end) || reason;
  end if;
  return jsonb_build_object('workspace', p_slug, 'stage', r.stage, 'status', r.status,
    'target_stage', rep -> 'target_stage', 'target_stage_key', rep -> 'target_stage_key',
    'verdict', verdict, 'passed', verdict = 'pass', 'reason', reason, 'checks', checks,
    'window', jsonb_build_object('from', rep -> 'window_from', 'to', rep -> 'window_to'),
    'evaluated_at', rep -> 'evaluated_at');
end
$$;
revoke all on function app_private.workspace_verdict(public.workspace_rollouts, text, int, int) from public, anon, authenticated, service_role;

-- For services, with an ingest token ('state:read'), through the API's service
-- connection: the verdict of one workspace (p_workspace) or of a cohort (no
-- workspace): the enrolled workspaces within the token's scope, at stage p_stage when
-- given, each judged on its own gate; the cohort passes when every one passes, fails
-- when any fails, else is inconclusive (an empty cohort is inconclusive). Returns the
-- HTTP status, the body, and a message for refusals. Unknown workspace and workspace
-- outside the token's scope get the same 404.
create or replace function public.migration_verdict(p_token_hash text, p_key text, p_workspace text,
  p_stage int default null, p_target int default null)
returns table (status int, body jsonb, message text)
language plpgsql stable security definer set search_path = ''
as $$
declare
  max_cohort constant int := 200;
  g record;
  mig public.migrations;
  last_stage int;
  ws uuid;
  r public.workspace_rollouts;
  v jsonb;
  members jsonb := '[]'::jsonb;
  n int;
  n_pass int;
  n_fail int;
  cohort_verdict text;
begin
  select * into g from app_private.read_grant(p_token_hash, 'state:read');
  if g.status <> 200 then
    return query select g.status, null::jsonb, g.message;
    return;
  end if;
  select * into mig from public.migrations m where m.key = p_key;
  if not found then
    return query select 404, null::jsonb, format('No migration with key "%s"', p_key);
    return;
  end if;
  select max(s.position) into last_stage from public.migration_stages s where s.migration_id = mig.id;
  last_stage := coalesce(last_stage, 0);
  if p_stage is not null and (p_stage < 0 or p_stage > last_stage) then
    return query select 400, null::jsonb, format('stage: must be between 0 and %s, the last stage of "%s"', last_stage, p_key);
    return;
  end if;
  if p_target is not null and (p_target < 1 or p_target > last_stage) then
    return query select 400, null::jsonb, format('target_stage: must be between 1 and %s, the last stage of "%s"', greatest(last_stage, 1), p_key);
    return;
  end if;

  if p_workspace is not null then
    select w.id into ws from public.workspaces w where w.slug = p_workspace;
    if ws is null or (g.workspace_ids is not null and not (ws = any (g.workspace_ids))) then
      return query select 404, null::jsonb, format('No workspace with slug "%s"', p_workspace);
      return;
    end if;
    select * into r from public.workspace_rollouts x where x.workspace_id = ws and x.migration_id = mig.id;
    if not found then
      return query select 404, null::jsonb, format('Workspace "%s" is not enrolled in migration "%s"', p_workspace, p_key);
      return;
    end if;
    v := app_private.workspace_verdict(r, p_workspace, p_target, last_stage);
    return query select 200, jsonb_build_object('migration', p_key) || v, null::text;
    return;
  end if;

  select count(*) into n from public.workspace_rollouts x
   where x.migration_id = mig.id and (p_stage is null or x.stage = p_stage)
     and (g.workspace_ids is null or x.workspace_id = any (g.workspace_ids));
  if n > max_cohort then
    return query select 422, null::jsonb,
      format('The cohort has %s workspaces; at most %s are judged per request: name a stage (stage=) or a workspace (workspace=), or use a token scoped to fewer workspaces', n, max_cohort);
    return;
  end if;
  for r in
    select x.* from public.workspace_rollouts x join public.workspaces w on w.id = x.workspace_id
     where x.migration_id = mig.id and (p_stage is null or x.stage = p_stage)
       and (g.workspace_ids is null or x.workspace_id = any (g.workspace_ids))
     order by w.slug
  loop
    v := app_private.workspace_verdict(r, (select w.slug from public.workspaces w where w.id = r.workspace_id), p_target, last_stage);
    members := members || jsonb_build_object('workspace', v -> 'workspace', 'stage', v -> 'stage', 'status', v -> 'status',
      'target_stage', v -> 'target_stage', 'verdict', v -> 'verdict', 'passed', v -> 'passed', 'reason', v -> 'reason');
  end loop;
  select count(*) filter (where m ->> 'verdict' = 'pass'), count(*) filter (where m ->> 'verdict' = 'fail')
    into n_pass, n_fail from jsonb_array_elements(members) m;
  cohort_verdict := case when n_fail > 0 then 'fail' when n > 0 and n_pass = n then 'pass' else 'inconclusive' end;
  return query select 200, jsonb_build_object('migration', p_key,
    'cohort', jsonb_build_object('stage', p_stage, 'target_stage', p_target, 'size', n),
    'verdict', cohort_verdict, 'passed', cohort_verdict = 'pass',
    'reason', case when n = 0 then 'No enrolled workspace in the cohort.'
                   when cohort_verdict = 'fail' then format('%s of %s workspaces fail their gate', n_fail, n)
                   when cohort_verdict = 'inconclusive' then format('%s of %s workspaces do not pass their gate yet', n - n_pass, n) end,
    'summary', jsonb_build_object('pass', n_pass, 'fail', n_fail, 'inconclusive', n - n_pass - n_fail),
    'workspaces', members, 'evaluated_at', now()), null::text;
end
$$;
revoke all on function public.migration_verdict(text, text, text, int, int) from public, anon, authenticated, service_role;
grant execute on function public.migration_verdict(text, text, text, int, int) to service_role;
