-- Guardrails: rules that compare the new variant with the old one (or with an
-- absolute limit) over a window of telemetry rollups, alerts they open, the
-- automatic rollback they may perform, and notifications delivered through a
-- transactional outbox (graphile_worker.add_job in the same transaction as the
-- change it reports).
set lock_timeout = '5s';
set statement_timeout = '60s';

-- Rules --------------------------------------------------------------------------------

create table if not exists public.guardrail_rules (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 120),
  description text not null default '',
  -- null: applies to every migration
  migration_id uuid references public.migrations (id) on delete cascade,
  statistic text not null check (statistic in ('p50_latency', 'p95_latency', 'p99_latency', 'error_rate', 'success_rate', 'metric_mean', 'complaint_count')),
  -- the custom metric for metric_mean
  metric text check (metric is null or metric ~ '^[a-z][a-z0-9_.]{0,62}$'),
  -- absolute: new vs threshold; ratio: new/old vs threshold; difference: new - old vs threshold
  comparison text not null default 'ratio' check (comparison in ('absolute', 'ratio', 'difference')),
  operator text not null default '>' check (operator in ('>', '>=', '<', '<=')),
  threshold double precision not null,
  -- optional second condition on the new value itself, e.g. "and above 1 %"
  absolute_guard double precision,
  window_minutes int not null default 15 check (window_minutes between 1 and 10080),
  -- per variant; fewer samples = not enough data, never a breach
  min_samples int not null default 100 check (min_samples >= 0),
  severity text not null default 'critical' check (severity in ('warning', 'critical')),
  action text not null default 'alert' check (action in ('alert', 'rollback_previous', 'rollback_zero', 'disable_flags')),
  enabled boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (statistic <> 'metric_mean' or metric is not null),
  check (statistic <> 'complaint_count' or comparison = 'absolute')
);

alter table public.guardrail_rules enable row level security;
create policy guardrail_rules_select on public.guardrail_rules for select to authenticated
  using ((select app_private.has_role('viewer')));
create policy guardrail_rules_insert on public.guardrail_rules for insert to authenticated
  with check ((select app_private.has_role('admin')));
create policy guardrail_rules_update on public.guardrail_rules for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));
create policy guardrail_rules_delete on public.guardrail_rules for delete to authenticated
  using ((select app_private.has_role('admin')));

-- Defaults from the field notes: error rate new > old and > 1 %; p95 new > 1.2 × old;
-- success rate < 80 % → switch the features off; ≥ 3 complaints in an hour.
insert into public.guardrail_rules (name, description, statistic, comparison, operator, threshold, absolute_guard, window_minutes, min_samples, severity, action)
values
  ('Error rate above baseline', 'New errors more often than old, and above 1 %.', 'error_rate', 'difference', '>', 0, 0.01, 15, 200, 'critical', 'rollback_previous'),
  ('p95 latency regression', 'New p95 latency more than 1.2 × old.', 'p95_latency', 'ratio', '>', 1.2, null, 15, 200, 'critical', 'rollback_previous'),
  ('Success rate below 80 %', 'Automated safety check: switch the migration''s features off for the workspace.', 'success_rate', 'absolute', '<', 0.8, null, 15, 100, 'critical', 'disable_flags'),
  ('Complaint spike', 'Three or more complaints or bug reports within an hour.', 'complaint_count', 'absolute', '>=', 3, null, 60, 0, 'warning', 'alert');

-- Alerts ---------------------------------------------------------------------------------

create table if not exists public.performance_alerts (
  id bigint generated always as identity primary key,
  rule_id uuid not null references public.guardrail_rules (id) on delete cascade,
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  migration_id uuid not null references public.migrations (id) on delete cascade,
  state text not null default 'open' check (state in ('open', 'acknowledged', 'resolved')),
  severity text not null check (severity in ('warning', 'critical')),
  message text not null,
  observed double precision,
  baseline double precision,
  threshold double precision,
  stage_at_breach int not null,
  evaluation jsonb not null,
  action_taken text,
  -- rollout version after the action, so it is taken once per breach
  acted_version bigint,
  breach_count int not null default 1,
  opened_at timestamptz not null default now(),
  last_breach_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  acknowledged_at timestamptz,
  acknowledged_by text,
  resolved_at timestamptz,
  resolved_by text,
  note text
);
-- One open alert per (rule, workspace, migration): repeated breaches update it.
create unique index if not exists performance_alerts_one_open_idx
  on public.performance_alerts (rule_id, workspace_id, migration_id) where state <> 'resolved';
create index if not exists performance_alerts_ws_mig_idx on public.performance_alerts (workspace_id, migration_id, state);
create index if not exists performance_alerts_state_time_idx on public.performance_alerts (state, opened_at desc);

alter table public.performance_alerts enable row level security;
create policy performance_alerts_select on public.performance_alerts for select to authenticated
  using ((select app_private.has_role('viewer')));

-- Notification channels and the outbox ------------------------------------------------------

create table if not exists public.notification_channels (
  id uuid primary key default gen_random_uuid(),
  name text not null check (char_length(name) between 1 and 100),
  kind text not null check (kind in ('webhook', 'slack')),
  url text not null check (url ~ '^https?://[^\s]+$' and char_length(url) <= 2000),
  -- HMAC-SHA256 key for generic webhooks (X-Rollout-Signature)
  secret text,
  events text[] not null default array['stage_changed', 'wave_applied', 'emergency_stop', 'alert_opened', 'alert_resolved', 'auto_rollback']
    check (events <@ array['stage_changed', 'wave_applied', 'emergency_stop', 'alert_opened', 'alert_resolved', 'auto_rollback']),
  enabled boolean not null default true,
  created_at timestamptz not null default now()
);

alter table public.notification_channels enable row level security;
create policy notification_channels_select on public.notification_channels for select to authenticated
  using ((select app_private.has_role('admin')));
create policy notification_channels_insert on public.notification_channels for insert to authenticated
  with check ((select app_private.has_role('admin')));
create policy notification_channels_update on public.notification_channels for update to authenticated
  using ((select app_private.has_role('admin'))) with check ((select app_private.has_role('admin')));
create policy notification_channels_delete on public.notification_channels for delete to authenticated
  using ((select app_private.has_role('admin')));

create table if not exists public.notification_deliveries (
  id bigint generated always as identity primary key,
  channel_id uuid not null references public.notification_channels (id) on delete cascade,
  event text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
  attempts int not null default 0,
  last_error text,
  last_status int,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  delivered_at timestamptz
);
create index if not exists notification_deliveries_time_idx on public.notification_deliveries (created_at desc);
create index if not exists notification_deliveries_status_idx on public.notification_deliveries (status, created_at);

alter table public.notification_deliveries enable row level security;
create policy notification_deliveries_select on public.notification_deliveries for select to authenticated
  using ((select app_private.has_role('operator')));

-- Writes the delivery rows and their jobs for every channel subscribed to the
-- event, in the caller's transaction: the change and its notification commit
-- together or not at all.
create or replace function app_private.notify(p_event text, p_payload jsonb)
returns int
language plpgsql security definer set search_path = ''
as $$
declare
  d record;
  n int := 0;
begin
  for d in
    insert into public.notification_deliveries (channel_id, event, payload)
    select c.id, p_event, p_payload || jsonb_build_object('event', p_event)
      from public.notification_channels c
     where c.enabled and p_event = any (c.events)
    returning id
  loop
    perform graphile_worker.add_job('deliver_notification', json_build_object('deliveryId', d.id),
      max_attempts => 12, job_key => 'delivery:' || d.id);
    n := n + 1;
  end loop;
  return n;
end
$$;

-- Every transition reports itself. A wave or an emergency stop moves many
-- workspaces in one transaction; it is reported once (the delivery job lists the
-- workspaces that moved together, which share the transaction's timestamp).
create or replace function app_private.notify_transition() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  ev text;
  once_key text;
  seen text;
  m record;
  w record;
begin
  select id, key, name into m from public.migrations where id = new.migration_id;
  if new.kind = 'emergency_stop' then
    ev := 'emergency_stop';
    once_key := 'stop:' || new.migration_id;
  elsif new.kind = 'advance' and coalesce((new.gate_report ->> 'wave')::boolean, false) then
    ev := 'wave_applied';
    once_key := 'wave:' || new.migration_id || ':' || new.to_stage;
  elsif new.kind = 'auto_rollback' then
    ev := 'auto_rollback';
  elsif new.kind = 'enroll' then
    return null;
  else
    ev := 'stage_changed';
  end if;
  if once_key is not null then
    seen := coalesce(current_setting('rollout.notified', true), '');
    if position(once_key in seen) > 0 then
      return null;
    end if;
    perform set_config('rollout.notified', seen || ' ' || once_key, true);
    perform app_private.notify(ev, jsonb_build_object(
      'migration', jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name),
      'to_stage', new.to_stage, 'reason', new.reason, 'actor', new.actor_email, 'at', new.created_at));
    return null;
  end if;
  select id, slug, name into w from public.workspaces where id = new.workspace_id;
  perform app_private.notify(ev, jsonb_build_object(
    'migration', jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name),
    'workspace', jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name),
    'kind', new.kind, 'from_stage', new.from_stage, 'to_stage', new.to_stage,
    'from_stage_name', (select name from public.migration_stages where migration_id = new.migration_id and position = new.from_stage),
    'to_stage_name', (select name from public.migration_stages where migration_id = new.migration_id and position = new.to_stage),
    'status', new.status_after, 'reason', new.reason, 'actor', new.actor_email, 'at', new.created_at,
    'transition_id', new.id));
  return null;
end
$$;

create trigger stage_transitions_notify
  after insert on public.stage_transitions
  for each row execute function app_private.notify_transition();

-- Worker liveness: each worker process records a heartbeat; jobs locked by a
-- worker whose heartbeat stopped (killed mid-delivery) are unlocked by a live one
-- within seconds instead of graphile-worker's 4-hour lock expiry.
create table if not exists app_private.worker_heartbeats (
  worker_id text primary key,
  beat_at timestamptz not null default now()
);

-- Evaluation -----------------------------------------------------------------------------

-- A number for people: 335.3, 1.988, 0.0123.
create or replace function app_private.fmt(p_value double precision)
returns text
language sql immutable set search_path = ''
as $$
  select case when p_value is null then '—'
              when abs(p_value) >= 100 then round(p_value::numeric, 1)::text
              when abs(p_value) >= 1 then round(p_value::numeric, 3)::text
              else round(p_value::numeric, 4)::text end
$$;

create or replace function app_private.compare(p_value double precision, p_operator text, p_threshold double precision)
returns boolean
language sql immutable set search_path = ''
as $$
  select case p_operator when '>' then p_value > p_threshold when '>=' then p_value >= p_threshold
                         when '<' then p_value < p_threshold when '<=' then p_value <= p_threshold end
$$;

-- Evaluates every enabled rule for the rollouts in scope (null = all rollouts
-- with recent telemetry or open alerts), set against the rollups. Opens or
-- updates one alert per (rule, workspace, migration), acts once per breach
-- (rollback / disable flags), and resolves alerts after a clean window.
-- Returns counts. Safe to run concurrently: the unique open-alert index and the
-- rollout row lock make a racing evaluator see the first one's action.
create or replace function app_private.evaluate_guardrails(p_workspaces uuid[], p_migrations uuid[])
returns jsonb
language plpgsql security definer set search_path = ''
as $$
declare
  c record;
  s_new record;
  s_old record;
  w_from timestamptz;
  metric_name text;
  v_new double precision;
  v_old double precision;
  n_new bigint;
  n_old bigint;
  compared double precision;
  verdict text;
  evaluation jsonb;
  alert_id bigint;
  alert_inserted boolean;
  alert_acted bigint;
  roll public.workspace_rollouts;
  target int;
  t public.stage_transitions;
  msg text;
  stat_label text;
  evaluated int := 0;
  breaches int := 0;
  rollbacks int := 0;
  resolved int := 0;
  opened int := 0;
  max_window interval;
  last_kind text;
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
    select g.*, r.workspace_id as ws_id, r.migration_id as mig_id, r.updated_at as r_updated,
           w.slug as ws_slug, w.name as ws_name, m.key as mig_key, m.name as mig_name
      from public.guardrail_rules g
      join public.workspace_rollouts r on g.migration_id is null or g.migration_id = r.migration_id
      join public.workspaces w on w.id = r.workspace_id
      join public.migrations m on m.id = r.migration_id
     where g.enabled
       and (p_workspaces is null or r.workspace_id = any (p_workspaces))
       and (p_migrations is null or r.migration_id = any (p_migrations))
       and (p_workspaces is not null or p_migrations is not null
            or (r.workspace_id, r.migration_id) in (select x.workspace_id, x.migration_id from active x))
     order by r.workspace_id, r.migration_id, g.id
  loop
    evaluated := evaluated + 1;
    -- Fresh data only: after any transition (rollback, resume, advance) the window
    -- restarts, from the start of that minute (rollups cannot split a minute; a few
    -- seconds of the previous stage beat ignoring the first minute of the new one).
    w_from := date_bin('1 minute', greatest(now() - make_interval(mins => c.window_minutes), c.r_updated), timestamptz '2000-01-01 00:00:00+00');
    v_new := null; v_old := null; n_new := 0; n_old := 0; compared := null;

    if c.statistic = 'complaint_count' then
      select count(*) into n_new from public.feedback_tracking f
       where f.workspace_id = c.ws_id and f.migration_id = c.mig_id and f.time >= w_from
         and f.kind in ('complaint', 'bug');
      v_new := n_new;
      compared := v_new;
      verdict := case when app_private.compare(compared, c.operator, c.threshold) then 'breach' else 'ok' end;
      stat_label := 'complaints';
    else
      metric_name := case c.statistic when 'error_rate' then 'error' when 'success_rate' then 'success'
                                      when 'metric_mean' then c.metric else 'latency_ms' end;
      select * into s_new from public.rollup_stats(c.ws_id, c.mig_id, metric_name, 'new', w_from, now() + interval '1 minute');
      n_new := coalesce(s_new.n, 0);
      v_new := case c.statistic when 'p50_latency' then s_new.p50 when 'p95_latency' then s_new.p95
                                when 'p99_latency' then s_new.p99 else s_new.mean end;
      if c.comparison <> 'absolute' then
        select * into s_old from public.rollup_stats(c.ws_id, c.mig_id, metric_name, 'old', w_from, now() + interval '1 minute');
        n_old := coalesce(s_old.n, 0);
        v_old := case c.statistic when 'p50_latency' then s_old.p50 when 'p95_latency' then s_old.p95
                                  when 'p99_latency' then s_old.p99 else s_old.mean end;
      end if;
      stat_label := replace(c.statistic, '_', ' ');
      if n_new < greatest(c.min_samples, 1) or (c.comparison <> 'absolute' and n_old < greatest(c.min_samples, 1)) then
        verdict := 'no_data';
      elsif c.comparison = 'ratio' and coalesce(v_old, 0) <= 0 then
        verdict := 'no_data';
      else
        compared := case c.comparison when 'absolute' then v_new when 'ratio' then v_new / v_old else v_new - v_old end;
        verdict := case when app_private.compare(compared, c.operator, c.threshold)
                          and (c.absolute_guard is null or app_private.compare(v_new, c.operator, c.absolute_guard))
                        then 'breach' else 'ok' end;
      end if;
    end if;

    evaluation := jsonb_build_object('rule', c.name, 'statistic', c.statistic, 'metric', metric_name,
      'comparison', c.comparison, 'operator', c.operator, 'threshold', c.threshold, 'absolute_guard', c.absolute_guard,
      'value_new', v_new, 'value_old', v_old, 'samples_new', n_new, 'samples_old', n_old, 'compared', compared,
      'window_from', w_from, 'window_to', now(), 'verdict', verdict, 'evaluated_at', now());

    if verdict = 'breach' then
      breaches := breaches + 1;
      msg := format('%s = %s %s %s (new %s%s)',
        case c.comparison when 'ratio' then stat_label || ' new/old' when 'difference' then stat_label || ' new − old' else stat_label || ' of new' end,
        app_private.fmt(compared), c.operator, app_private.fmt(c.threshold),
        app_private.fmt(v_new), case when v_old is not null then ', old ' || app_private.fmt(v_old) else '' end);
      insert into public.performance_alerts as a
        (rule_id, workspace_id, migration_id, severity, message, observed, baseline, threshold, stage_at_breach, evaluation)
      values (c.id, c.ws_id, c.mig_id, c.severity, msg, v_new, v_old, c.threshold,
              (select stage from public.workspace_rollouts where workspace_id = c.ws_id and migration_id = c.mig_id), evaluation)
      on conflict (rule_id, workspace_id, migration_id) where state <> 'resolved'
      do update set message = excluded.message, observed = excluded.observed, baseline = excluded.baseline,
                    evaluation = excluded.evaluation, last_breach_at = now(), updated_at = now(),
                    breach_count = a.breach_count + 1
      returning a.id, (a.xmax = 0), a.acted_version into alert_id, alert_inserted, alert_acted;

      if alert_inserted then
        opened := opened + 1;
        perform app_private.notify('alert_opened', jsonb_build_object('alert_id', alert_id, 'rule', c.name, 'severity', c.severity,
          'message', msg, 'workspace', jsonb_build_object('id', c.ws_id, 'slug', c.ws_slug, 'name', c.ws_name),
          'migration', jsonb_build_object('id', c.mig_id, 'key', c.mig_key, 'name', c.mig_name), 'evaluation', evaluation));
      end if;

      if c.action in ('rollback_previous', 'rollback_zero', 'disable_flags') then
        -- Act once per breach: when the alert opens, or again only if someone has
        -- moved the workspace since (resumed or advanced it) and it still breaches.
        select * into roll from public.workspace_rollouts
         where workspace_id = c.ws_id and migration_id = c.mig_id for update;
        select kind into last_kind from public.stage_transitions
         where workspace_id = c.ws_id and migration_id = c.mig_id order by id desc limit 1;
        if last_kind = 'auto_rollback' and c.action <> 'disable_flags' and (alert_inserted or alert_acted is distinct from roll.version) then
          -- Another rule (or a racing evaluator) already rolled it back and nobody has moved it since.
          update public.performance_alerts set action_taken = 'none: already rolled back automatically', acted_version = roll.version
           where id = alert_id;
        elsif alert_inserted or alert_acted is distinct from roll.version then
          if c.action = 'disable_flags' then
            if to_regprocedure('public.disable_migration_flags_for_workspace(uuid,uuid,text)') is not null then
              execute 'select public.disable_migration_flags_for_workspace($1, $2, $3)' using c.mig_id, c.ws_id, 'Guardrail: ' || msg;
            end if;
            update public.performance_alerts set action_taken = 'flags disabled for the workspace', acted_version = roll.version
             where id = alert_id;
          elsif roll.stage > 0 then
            target := case c.action when 'rollback_zero' then 0 else roll.stage - 1 end;
            t := app_private.apply_transition(c.ws_id, c.mig_id, target, 'paused', 'auto_rollback',
                   'Guardrail “' || c.name || '” fired: ' || msg, evaluation || jsonb_build_object('alert_id', alert_id));
            rollbacks := rollbacks + 1;
            update public.performance_alerts
               set action_taken = format('rolled back from stage %s to %s and paused', roll.stage, target),
                   acted_version = roll.version + 1
             where id = alert_id;
          else
            update public.performance_alerts set action_taken = 'none: already at stage 0', acted_version = roll.version
             where id = alert_id;
          end if;
        end if;
      end if;
    elsif verdict = 'ok' then
      -- A clean window closes the alert by itself.
      for alert_id in
        update public.performance_alerts
           set state = 'resolved', resolved_at = now(), updated_at = now(), resolved_by = 'system',
               note = coalesce(note || ' · ', '') || format('Resolved automatically: clean for %s min', c.window_minutes)
         where rule_id = c.id and workspace_id = c.ws_id and migration_id = c.mig_id and state <> 'resolved'
           and last_breach_at < now() - make_interval(mins => c.window_minutes)
        returning id
      loop
        resolved := resolved + 1;
        perform app_private.notify('alert_resolved', jsonb_build_object('alert_id', alert_id, 'rule', c.name,
          'workspace', jsonb_build_object('id', c.ws_id, 'slug', c.ws_slug, 'name', c.ws_name),
          'migration', jsonb_build_object('id', c.mig_id, 'key', c.mig_key, 'name', c.mig_name),
          'resolved_by', 'system'));
      end loop;
    end if;
  end loop;
  return jsonb_build_object('evaluated', evaluated, 'breaches', breaches, 'opened', opened,
    'rollbacks', rollbacks, 'resolved', resolved);
end
$$;

-- Called by the ingest endpoints right after a batch commits, for what it touched.
create or replace function public.after_telemetry_batch(p_workspace_ids uuid[], p_migration_ids uuid[])
returns void
language plpgsql security definer set search_path = ''
as $$
begin
  if coalesce(cardinality(p_workspace_ids), 0) = 0 or cardinality(p_workspace_ids) > 5000 then
    return;
  end if;
  perform app_private.evaluate_guardrails(p_workspace_ids, p_migration_ids);
end
$$;

-- The worker's periodic sweep over everything with recent telemetry or open alerts.
create or replace function public.run_guardrail_sweep()
returns jsonb
language sql security definer set search_path = ''
as $$
  select app_private.evaluate_guardrails(null, null)
$$;

-- Acknowledge / resolve ----------------------------------------------------------------------

create or replace function public.acknowledge_alert(p_alert bigint, p_note text)
returns void
language plpgsql security definer set search_path = ''
as $$
begin
  perform app_private.require_role('operator', 'acknowledging an alert');
  update public.performance_alerts
     set state = 'acknowledged', acknowledged_at = now(), acknowledged_by = auth.email(), updated_at = now(),
         note = nullif(btrim(coalesce(p_note, '')), '')
   where id = p_alert and state = 'open';
  if not found then
    raise exception 'Only an open alert can be acknowledged.' using errcode = 'P0001';
  end if;
  perform app_private.audit('alert.acknowledge', 'performance_alert', p_alert::text, jsonb_build_object('note', p_note));
end
$$;

create or replace function public.resolve_alert(p_alert bigint, p_note text)
returns void
language plpgsql security definer set search_path = ''
as $$
declare
  a public.performance_alerts;
begin
  perform app_private.require_role('operator', 'resolving an alert');
  if length(btrim(coalesce(p_note, ''))) < 3 then
    raise exception 'Resolving an alert needs a note: what was done?' using errcode = 'P0001';
  end if;
  update public.performance_alerts
     set state = 'resolved', resolved_at = now(), resolved_by = auth.email(), updated_at = now(),
         note = coalesce(note || ' · ', '') || btrim(p_note)
   where id = p_alert and state <> 'resolved'
  returning * into a;
  if not found then
    raise exception 'This alert is already resolved.' using errcode = 'P0001';
  end if;
  perform app_private.audit('alert.resolve', 'performance_alert', p_alert::text, jsonb_build_object('note', p_note));
  perform app_private.notify('alert_resolved', jsonb_build_object('alert_id', a.id, 'message', a.message,
    'workspace', (select jsonb_build_object('id', w.id, 'slug', w.slug, 'name', w.name) from public.workspaces w where w.id = a.workspace_id),
    'migration', (select jsonb_build_object('id', m.id, 'key', m.key, 'name', m.name) from public.migrations m where m.id = a.migration_id),
    'resolved_by', auth.email(), 'note', p_note));
end
$$;

-- Audit of configuration changes (rules, channels) -----------------------------------------------

create or replace function app_private.audit_config_change() returns trigger
language plpgsql security definer set search_path = ''
as $$
declare
  before_row jsonb := case when tg_op <> 'INSERT' then to_jsonb(old) - 'secret' end;
  after_row jsonb := case when tg_op <> 'DELETE' then to_jsonb(new) - 'secret' end;
begin
  perform app_private.audit(tg_table_name || '.' || lower(tg_op), tg_table_name,
    coalesce(after_row ->> 'id', before_row ->> 'id'), jsonb_build_object('before', before_row, 'after', after_row));
  return null;
end
$$;

create trigger guardrail_rules_audit after insert or update or delete on public.guardrail_rules
  for each row execute function app_private.audit_config_change();
create trigger notification_channels_audit after insert or update or delete on public.notification_channels
  for each row execute function app_private.audit_config_change();

-- Grants ------------------------------------------------------------------------------------------

revoke all on public.guardrail_rules, public.performance_alerts, public.notification_channels,
  public.notification_deliveries from anon, authenticated;
grant select on public.guardrail_rules, public.performance_alerts, public.notification_channels,
  public.notification_deliveries to authenticated;
grant insert, update, delete on public.guardrail_rules, public.notification_channels to authenticated;
grant select on public.guardrail_rules, public.performance_alerts, public.notification_channels,
  public.notification_deliveries to service_role;

revoke all on function app_private.notify(text, jsonb) from public;
revoke all on function app_private.notify_transition() from public;
revoke all on function app_private.compare(double precision, text, double precision) from public;
revoke all on function app_private.fmt(double precision) from public;
revoke all on function app_private.evaluate_guardrails(uuid[], uuid[]) from public;
revoke all on function app_private.audit_config_change() from public;
revoke all on function public.after_telemetry_batch(uuid[], uuid[]) from public;
revoke all on function public.run_guardrail_sweep() from public;
revoke all on function public.acknowledge_alert(bigint, text) from public;
revoke all on function public.resolve_alert(bigint, text) from public;

-- Ingest runs as anon after token checks; evaluation is idempotent and bounded.
grant execute on function public.after_telemetry_batch(uuid[], uuid[]) to anon, authenticated, service_role;
grant execute on function public.run_guardrail_sweep() to service_role;
grant execute on function public.acknowledge_alert(bigint, text) to authenticated;
grant execute on function public.resolve_alert(bigint, text) to authenticated;
