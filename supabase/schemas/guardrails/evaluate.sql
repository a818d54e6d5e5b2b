-- Guardrails acting on their verdicts (guardrails/verdict.sql): one alert per
-- (rule, workspace, migration), the rule's action taken once per breach, alerts
-- resolved after a clean window, every step notified through the outbox.
-- requires: guardrails/verdict.sql, rollouts/transition.sql, notifications/outbox.sql

-- Opens or refreshes the alert for a breach; notifies when it opens.
-- Returns (alert id, whether it was opened now, the rollout version it last acted on).
create or replace function app_private.record_breach(
  g public.guardrail_rules, p_workspace uuid, p_migration uuid, p_evaluation jsonb,
  out alert_id bigint, out opened boolean, out acted_version bigint)
language plpgsql security definer set search_path = ''
as $$
begin
  insert into public.performance_alerts as a
    (rule_id, workspace_id, migration_id, severity, message, observed, baseline, threshold, stage_at_breach, evaluation)
  values (g.id, p_workspace, p_migration, g.severity, p_evaluation ->> 'message',
          (p_evaluation ->> 'value_new')::double precision, (p_evaluation ->> 'value_old')::double precision, g.threshold,
          (select stage from public.workspace_rollouts where workspace_id = p_workspace and migration_id = p_migration),
          p_evaluation - 'message')
  on conflict (rule_id, workspace_id, migration_id) where state <> 'resolved'
  do update set message = excluded.message, observed = excluded.observed, baseline = excluded.baseline,
                evaluation = excluded.evaluation, last_breach_at = now(), updated_at = now(),
                breach_count = a.breach_count + 1
  returning a.id, (a.xmax = 0), a.acted_version into alert_id, opened, acted_version;
  if opened then
    perform app_private.notify('alert_opened', jsonb_build_object('alert_id', alert_id, 'rule', g.name, 'severity', g.severity,
      'message', p_evaluation ->> 'message', 'workspace', app_private.workspace_ref(p_workspace),
      'migration', app_private.migration_ref(p_migration), 'evaluation', p_evaluation - 'message'));
  end if;
end
$$;

-- Takes the rule's action for a breach, once: when the alert opens, or again only
-- if someone has moved the workspace since (resumed or advanced it) and it still
-- breaches. Graduated actions: 'alert' only notifies (the alert itself), 'hold'
-- pauses the workspace where it is (no advance until someone resumes it), the
-- rollbacks move it back and pause it, 'disable_flags' switches the migration's
-- flags off for it. A dry-run rule records what it would have done, and does
-- nothing. Returns true when it rolled the workspace back.
create or replace function app_private.act_on_breach(
  g public.guardrail_rules, p_workspace uuid, p_migration uuid, p_evaluation jsonb,
  p_alert bigint, p_opened boolean, p_acted_version bigint)
returns boolean
language plpgsql security definer set search_path = ''
as $$
declare
  roll public.workspace_rollouts;
  last_kind text;
  target int;
  v_note text;
  new_version bigint;
begin
  if g.action not in ('hold', 'rollback_previous', 'rollback_zero', 'disable_flags') then
    return false;
  end if;
  select * into roll from public.workspace_rollouts
   where workspace_id = p_workspace and migration_id = p_migration for update;
  if not (p_opened or p_acted_version is distinct from roll.version) then
    return false;
  end if;
  select kind into last_kind from public.stage_transitions
   where workspace_id = p_workspace and migration_id = p_migration order by id desc limit 1;
  new_version := roll.version;
  if g.dry_run then
    v_note := 'dry run: would have ' || case g.action
      when 'hold' then 'paused the workspace at stage ' || roll.stage
      when 'disable_flags' then 'disabled the migration''s flags for the workspace'
      when 'rollback_zero' then format('rolled back from stage %s to 0 and paused', roll.stage)
      else format('rolled back from stage %s to %s and paused', roll.stage, greatest(roll.stage - 1, 0)) end;
  elsif last_kind = 'auto_rollback' and g.action <> 'disable_flags' then
    -- Another rule (or a racing evaluator) already rolled it back and nobody has moved it since.
    v_note := 'none: already rolled back automatically';
  elsif g.action = 'disable_flags' then
    perform public.disable_migration_flags_for_workspace(p_migration, p_workspace, 'Guardrail: ' || (p_evaluation ->> 'message'));
    v_note := 'flags disabled for the workspace';
  elsif g.action = 'hold' then
    if roll.status = 'paused' then
      v_note := 'none: already paused';
    else
      perform app_private.apply_transition(p_workspace, p_migration, roll.stage, 'paused', 'pause',
        'Guardrail “' || g.name || '” fired: ' || (p_evaluation ->> 'message'),
        (p_evaluation - 'message') || jsonb_build_object('alert_id', p_alert));
      v_note := format('held: paused at stage %s', roll.stage);
      new_version := roll.version + 1;
    end if;
  elsif roll.stage = 0 then
    v_note := 'none: already at stage 0';
  else
    target := case g.action when 'rollback_zero' then 0 else roll.stage - 1 end;
    perform app_private.apply_transition(p_workspace, p_migration, target, 'paused', 'auto_rollback',
      'Guardrail “' || g.name || '” fired: ' || (p_evaluation ->> 'message'),
      (p_evaluation - 'message') || jsonb_build_object('alert_id', p_alert));
    v_note := format('rolled back from stage %s to %s and paused', roll.stage, target);
    new_version := roll.version + 1;
  end if;
  update public.performance_alerts set action_taken = v_note, acted_version = new_version where id = p_alert;
  return target is not null;
end
$$;

-- A clean window closes the rule's open alert by itself. Returns how many closed.
create or replace function app_private.resolve_if_clean(g public.guardrail_rules, p_workspace uuid, p_migration uuid)
returns int
language plpgsql security definer set search_path = ''
as $$
declare
  alert_id bigint;
  n int := 0;
begin
  for alert_id in
    update public.performance_alerts
       set state = 'resolved', resolved_at = now(), updated_at = now(), resolved_by = 'system',
           note = coalesce(note || ' · ', '') || format('Resolved automatically: clean for %s min', g.window_minutes)
     where rule_id = g.id and workspace_id = p_workspace and migration_id = p_migration and state <> 'resolved'
       and last_breach_at < now() - make_interval(mins => g.window_minutes)
    returning id
  loop
    n := n + 1;
    perform app_private.notify('alert_resolved', jsonb_build_object('alert_id', alert_id, 'rule', g.name,
      'workspace', app_private.workspace_ref(p_workspace), 'migration', app_private.migration_ref(p_migration),
      'resolved_by', 'system'));
  end loop;
  return n;
end
$$;

-- {id, slug, name} of a workspace and {id, key, name} of a migration, as notifications carry them.
create or replace function app_private.workspace_ref(p_workspace uuid)
returns jsonb
language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) from public.workspaces w where w.id = p_workspace
$$;

create or replace function app_private.migration_ref(p_migration uuid)
returns jsonb
language sql stable security definer set search_path = ''
as $$
  select jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name) from public.migrations m where m.id = p_migration
$$;

-- Evaluates every enabled rule for the rollouts in scope (null = all rollouts
-- with recent telemetry or open alerts) and acts on the verdicts. Returns counts.
-- Safe to run concurrently: the unique open-alert index and the rollout row lock
-- make a racing evaluator see the first one's action.
create or replace function app_private.evaluate_guardrails(p_workspaces uuid[], p_migrations uuid[])
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  c record;
  since timestamptz;
  evaluation jsonb;
  breach record;
  evaluated int := 0;
  breaches int := 0;
  rollbacks int := 0;
  resolved int := 0;
  opened int := 0;
  max_window interval;
begin
  select make_interval(mins => coalesce(max(window_minutes), 15)) into max_window from public.guardrail_rules where enabled;
  for c in
    with active as materialized (
      -- Only for a sweep: rollouts with recent telemetry, feedback or open alerts.
      select mr.workspace_id, mr.migration_id from public.metric_rollups mr
       where p_workspaces is null and p_migrations is null and mr.bucket > now() - max_window
      union
      select f.workspace_id, f.migration_id from public.feedback_tracking f
       where p_workspaces is null and p_migrations is null and f.time > now() - max_window
      union
      select a.workspace_id, a.migration_id from public.performance_alerts a
       where p_workspaces is null and p_migrations is null and a.state <> 'resolved'
    )
    select g as rule, r.workspace_id as ws_id, r.migration_id as mig_id, r.updated_at as r_updated
      from public.guardrail_rules g
      join public.workspace_rollouts r on g.migration_id is null or g.migration_id = r.migration_id
     where g.enabled
       and (p_workspaces is null or r.workspace_id = any (p_workspaces))
       and (p_migrations is null or r.migration_id = any (p_migrations))
       and (p_workspaces is not null or p_migrations is not null
            or (r.workspace_id, r.migration_id) in (select x.workspace_id, x.migration_id from active x))
     order by r.workspace_id, r.migration_id, g.id
     -- A rule deleted while this runs either waits for it (and its alerts go with
     -- it afterwards) or is skipped; never an alert that points at no rule.
     for key share of g
  loop
    evaluated := evaluated + 1;
    -- Fresh data only: after any transition (rollback, resume, advance) the window
    -- restarts, from the start of that minute (rollups cannot split a minute; a few
    -- seconds of the previous stage beat ignoring the first minute of the new one).
    since := date_bin('1 minute', greatest(now() - make_interval(mins => (c.rule).window_minutes), c.r_updated),
                      timestamptz '2000-01-01 00:00:00+00');
    evaluation := app_private.guardrail_verdict(c.rule, c.ws_id, c.mig_id, since);
    if evaluation ->> 'verdict' = 'breach' then
      breaches := breaches + 1;
      select * into breach from app_private.record_breach(c.rule, c.ws_id, c.mig_id, evaluation);
      if breach.opened then
        opened := opened + 1;
      end if;
      if app_private.act_on_breach(c.rule, c.ws_id, c.mig_id, evaluation, breach.alert_id, breach.opened, breach.acted_version) then
        rollbacks := rollbacks + 1;
      end if;
    elsif evaluation ->> 'verdict' = 'ok' then
      resolved := resolved + app_private.resolve_if_clean(c.rule, c.ws_id, c.mig_id);
    end if;
  end loop;
  return jsonb_build_object('evaluated', evaluated, 'breaches', breaches, 'opened', opened,
    'rollbacks', rollbacks, 'resolved', resolved);
end
$$;
