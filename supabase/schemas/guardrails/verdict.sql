-- Guardrail verdicts -----------------------------------------------------------------------------

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

-- The verdict of one rule for one rollout over the rollups since p_since: what
-- was measured and whether it breaches. Reads only, acts on nothing, so it can
-- be called and tested on its own. Missing data is 'no_data', never 'ok'.
-- Returns the evaluation stored with alerts and automatic transitions:
-- {rule, statistic, metric, comparison, operator, threshold, absolute_guard,
--  value_new, value_old, samples_new, samples_old, compared, window_from,
--  window_to, verdict: breach | ok | no_data | inconclusive, message, evaluated_at,
--  test: fixed | sequential, and for sequential rules lower, upper, alpha and the
--  check's full evidence (checks/evaluate.sql)}.
-- A sequential rule breaches only when the confidence sequence lies wholly beyond
-- the limit (its check fails), so evaluating it after every batch does not add
-- chances for noise to breach; 'inconclusive' neither acts nor resolves.
create or replace function app_private.guardrail_verdict(
  g public.guardrail_rules, p_workspace uuid, p_migration uuid, p_since timestamptz)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  s_new record;
  s_old record;
  metric_name text;
  v_new double precision;
  v_old double precision;
  n_new bigint := 0;
  n_old bigint := 0;
  compared double precision;
  verdict text;
  stat_label text := replace(g.statistic, '_', ' ');
  msg text;
  ev jsonb;
begin
  if g.test = 'sequential' and g.statistic <> 'complaint_count' then
    -- the rule states the breach; the check states what passes: the negated operator
    ev := app_private.evaluate_check(jsonb_build_object(
        'key', g.statistic, 'statistic', g.statistic, 'metric', g.metric,
        'comparison', case g.comparison when 'ratio' then 'ratio_to_old' when 'difference' then 'difference_to_old' else 'absolute' end,
        'operator', case g.operator when '>' then '<=' when '>=' then '<' when '<' then '>=' else '>' end,
        'threshold', g.threshold, 'min_samples', g.min_samples, 'alpha', coalesce(g.alpha, 0.02), 't_star', 500),
      array[p_workspace], p_migration, p_since, now() + interval '1 minute');
    v_new := (ev ->> 'value_new')::double precision;
    v_old := (ev ->> 'value_old')::double precision;
    n_new := (ev ->> 'n_new')::bigint;
    n_old := (ev ->> 'n_old')::bigint;
    compared := (ev ->> 'estimate')::double precision;
    verdict := case ev ->> 'verdict'
      when 'fail' then case when g.absolute_guard is null or app_private.compare(v_new, g.operator, g.absolute_guard) then 'breach' else 'ok' end
      when 'pass' then 'ok'
      else case when ev ->> 'reason' is not null then 'no_data' else 'inconclusive' end end;
    msg := format('%s = %s %s %s (new %s%s) · interval [%s, %s], %s',
      case g.comparison when 'ratio' then stat_label || ' new/old' when 'difference' then stat_label || ' new − old' else stat_label || ' of new' end,
      app_private.fmt(compared), g.operator, app_private.fmt(g.threshold),
      app_private.fmt(v_new), case when v_old is not null then ', old ' || app_private.fmt(v_old) else '' end,
      app_private.fmt((ev ->> 'lower')::double precision), app_private.fmt((ev ->> 'upper')::double precision),
      case ev ->> 'verdict' when 'fail' then 'beyond the limit' when 'pass' then 'within the limit'
           else 'inconclusive' || coalesce(', about ' || (ev ->> 'needed_samples_estimate') || ' more samples needed', '') end);
    return jsonb_build_object('rule', g.name, 'statistic', g.statistic, 'metric', ev ->> 'metric',
      'comparison', g.comparison, 'operator', g.operator, 'threshold', g.threshold, 'absolute_guard', g.absolute_guard,
      'value_new', v_new, 'value_old', v_old, 'samples_new', n_new, 'samples_old', n_old, 'compared', compared,
      'window_from', p_since, 'window_to', now(), 'verdict', verdict, 'message', msg, 'evaluated_at', now(),
      'test', 'sequential', 'lower', ev -> 'lower', 'upper', ev -> 'upper', 'alpha', ev -> 'alpha',
      'summary', ev ->> 'summary', 'evidence', ev - 'summary');
  end if;
  if g.statistic = 'complaint_count' then
    select count(*) into n_new from public.feedback_tracking f
     where f.workspace_id = p_workspace and f.migration_id = p_migration and f.time >= p_since
       and f.kind in ('complaint', 'bug');
    v_new := n_new;
    compared := v_new;
    stat_label := 'complaints';
    verdict := case when app_private.compare(compared, g.operator, g.threshold) then 'breach' else 'ok' end;
  else
    metric_name := case g.statistic when 'error_rate' then 'error' when 'success_rate' then 'success'
                                    when 'metric_mean' then g.metric else 'latency_ms' end;
    select * into s_new from public.rollup_stats(p_workspace, p_migration, metric_name, 'new', p_since, now() + interval '1 minute');
    n_new := coalesce(s_new.n, 0);
    v_new := case g.statistic when 'p50_latency' then s_new.p50 when 'p95_latency' then s_new.p95
                              when 'p99_latency' then s_new.p99 else s_new.mean end;
    if g.comparison <> 'absolute' then
      select * into s_old from public.rollup_stats(p_workspace, p_migration, metric_name, 'old', p_since, now() + interval '1 minute');
      n_old := coalesce(s_old.n, 0);
      v_old := case g.statistic when 'p50_latency' then s_old.p50 when 'p95_latency' then s_old.p95
                                when 'p99_latency' then s_old.p99 else s_old.mean end;
    end if;
    if n_new < greatest(g.min_samples, 1) or (g.comparison <> 'absolute' and n_old < greatest(g.min_samples, 1)) then
      verdict := 'no_data';
    elsif g.comparison = 'ratio' and coalesce(v_old, 0) <= 0 then
      verdict := 'no_data';
    else
      compared := case g.comparison when 'absolute' then v_new when 'ratio' then v_new / v_old else v_new - v_old end;
      verdict := case when app_private.compare(compared, g.operator, g.threshold)
                        and (g.absolute_guard is null or app_private.compare(v_new, g.operator, g.absolute_guard))
                      then 'breach' else 'ok' end;
    end if;
  end if;
  msg := format('%s = %s %s %s (new %s%s)',
    case g.comparison when 'ratio' then stat_label || ' new/old' when 'difference' then stat_label || ' new − old' else stat_label || ' of new' end,
    app_private.fmt(compared), g.operator, app_private.fmt(g.threshold),
    app_private.fmt(v_new), case when v_old is not null then ', old ' || app_private.fmt(v_old) else '' end);
  return jsonb_build_object('rule', g.name, 'statistic', g.statistic, 'metric', metric_name,
    'comparison', g.comparison, 'operator', g.operator, 'threshold', g.threshold, 'absolute_guard', g.absolute_guard,
    'value_new', v_new, 'value_old', v_old, 'samples_new', n_new, 'samples_old', n_old, 'compared', compared,
    'window_from', p_since, 'window_to', now(), 'verdict', verdict, 'message', msg, 'evaluated_at', now(), 'test', 'fixed');
end
$$;
