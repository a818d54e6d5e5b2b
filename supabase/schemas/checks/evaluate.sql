-- requires: checks/stats.sql
-- (uses app_private.fmt / compare from guardrails/verdict.sql, has_role from common/roles.sql)
-- Checks: the one way gates and guardrails judge old vs new. A check is a JSON
-- object (stored in gate and rule configuration, validated by lib/checks/schema.ts):
--   {statistic, metric?, comparison, operator, threshold, window_minutes?, min_samples?, alpha?, t_star?, label?}
-- statistic: p50_latency | p95_latency | p99_latency | error_rate | success_rate |
--   metric_mean | metric_rate (custom metric, 0/1 values) | complaints |
--   negative_feedback | open_alerts | soak_time
-- comparison: absolute (the new variant against the threshold) | ratio_to_old
--   (new / old) | difference_to_old (new − old); operator: <= < >= > (what passes).
-- Its verdict is pass, fail or inconclusive; missing data is never a pass.

-- Rollup totals of one metric/variant over [p_from, p_to) for a set of workspaces:
-- whole hours from the hourly tier, the partial hours at the edges from 1-minute rows.
-- Histograms are merged set-wise (per-bucket counts summed, then made cumulative
-- and trimmed again), not row by row: one pass however many rows the window holds.
create or replace function app_private.check_rollup(p_workspaces uuid[], p_migration uuid, p_metric text, p_variant text,
  p_from timestamptz, p_to timestamptz)
returns table (n bigint, sum double precision, min double precision, max double precision, hist int[])
language plpgsql stable set search_path = ''
as $$
begin
  -- plpgsql, not sql: its plan is cached for the session instead of re-planned per call
  return query
  with b as (
    select date_trunc('hour', p_from) + case when date_trunc('hour', p_from) < p_from then interval '1 hour' else interval '0' end as hs,
           date_trunc('hour', p_to) as he
  ), r as materialized (
    select c.n, c.sum, c.min, c.max, c.hist from public.metric_rollups_coarse c, b
    where c.migration_id = p_migration and c.workspace_id = any (p_workspaces) and c.resolution = 3600
      and c.metric = p_metric and c.variant = p_variant and c.bucket >= b.hs and c.bucket < b.he
    union all
    select m.n, m.sum, m.min, m.max, m.hist from public.metric_rollups m, b
    where m.workspace_id = any (p_workspaces) and m.migration_id = p_migration
      and m.metric = p_metric and m.variant = p_variant and m.bucket >= p_from and m.bucket < p_to
      and not (m.bucket >= b.hs and m.bucket < b.he)
  ), counts as (
    -- each row's cumulative counts back to per-bucket counts, summed over rows
    select x.idx, sum(x.c)::int as c from (
      select r.hist[1] + u.ord::int - 1 as idx, u.cum - coalesce(lag(u.cum) over (partition by r.rid order by u.ord), 0) as c
      from (select row_number() over () as rid, r.hist from r) r, unnest(r.hist[2:]) with ordinality u(cum, ord)
    ) x group by x.idx having sum(x.c) > 0
  ), h as (
    select case when count(*) = 0 then null::int[] else (
      select min(k.idx) || array_agg(k.cum order by k.i)
      from (select g.i, (sum(coalesce(cc.c, 0)) over (order by g.i))::int as cum, cc.idx
              from generate_series((select min(counts.idx) from counts), (select max(counts.idx) from counts)) g(i)
              left join counts cc on cc.idx = g.i) k) end as hist
    from counts
  )
  select coalesce(sum(r.n), 0)::bigint, sum(r.sum), min(r.min), max(r.max), (select h.hist from h) from r;
end
$$;
revoke all on function app_private.check_rollup(uuid[], uuid, text, text, timestamptz, timestamptz) from public, anon, authenticated, service_role;

-- One line for people: "p95 latency new/old 1.08 [0.97, 1.21], inconclusive, about 900 more samples needed".
create or replace function app_private.check_summary(e jsonb)
returns text
language sql immutable set search_path = ''
as $$
  select concat_ws(', ',
    concat(coalesce(e ->> 'label', replace(e ->> 'statistic', '_', ' ')),
           case e ->> 'comparison' when 'ratio_to_old' then ' new/old' when 'difference_to_old' then ' new − old' else '' end,
           ' ', coalesce(app_private.fmt((e ->> 'estimate')::double precision), 'no data'),
           case when e ->> 'lower' is not null and e ->> 'upper' is not null and (e ->> 'lower') <> (e ->> 'upper')
                then ' [' || app_private.fmt((e ->> 'lower')::double precision) || ', ' || app_private.fmt((e ->> 'upper')::double precision) || ']' end,
           ' (limit ', e ->> 'operator', ' ', app_private.fmt((e ->> 'threshold')::double precision), ')'),
    e ->> 'verdict',
    case when e ->> 'verdict' = 'inconclusive' and (e ->> 'needed_samples_estimate') is not null
         then 'about ' || (e ->> 'needed_samples_estimate') || ' more samples needed'
         when e ->> 'verdict' = 'inconclusive' and e ->> 'reason' = 'no_data' then 'no data yet' end)
$$;
revoke all on function app_private.check_summary(jsonb) from public, anon, authenticated, service_role;

-- Evaluates one check over [p_from, p_to) for a set of workspaces of a migration
-- (one workspace, or a whole cohort pooled). Returns the evidence:
-- {check, label, statistic, metric, comparison, operator, threshold, alpha, estimate,
--  lower, upper, value_old, value_new, n_old, n_new, min_samples, verdict, reason,
--  test, p_value, window: {from, to}, needed_samples_estimate, summary}.
create or replace function app_private.evaluate_check(p_check jsonb, p_workspaces uuid[], p_migration uuid,
  p_from timestamptz, p_to timestamptz)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  stat text := p_check ->> 'statistic';
  cmp text := coalesce(p_check ->> 'comparison', 'absolute');
  op text := coalesce(p_check ->> 'operator', '<=');
  thr double precision := (p_check ->> 'threshold')::double precision;
  min_n bigint := coalesce((p_check ->> 'min_samples')::bigint, 0);
  alpha double precision := coalesce((p_check ->> 'alpha')::double precision, 0.01);
  t_star double precision := coalesce((p_check ->> 't_star')::double precision, 1000);
  metric_name text;
  o record;
  nw record;
  q double precision;
  res jsonb;
  cnt double precision;
  n_old bigint := 0;
  n_new bigint := 0;
  v_old double precision;
  v_new double precision;
  reason text;
  ev jsonb;
begin
  if stat in ('complaints', 'complaint_count', 'negative_feedback', 'open_alerts', 'soak_time') then
    if stat in ('complaints', 'complaint_count', 'negative_feedback') then
      select count(*) into cnt from public.feedback_tracking f
       where f.workspace_id = any (p_workspaces) and f.migration_id = p_migration and f.time >= p_from and f.time < p_to
         and (f.kind in ('complaint', 'bug') or (stat = 'negative_feedback' and f.kind = 'rating' and f.rating <= 2));
    elsif stat = 'open_alerts' then
      select count(*) into cnt from public.performance_alerts a
       where a.workspace_id = any (p_workspaces) and a.migration_id = p_migration and a.state <> 'resolved'
         and (p_check ->> 'severity' is null or a.severity = p_check ->> 'severity');
    else
      select round((extract(epoch from (p_to - max(r.entered_at))) / 60)::numeric, 1) into cnt
        from public.workspace_rollouts r where r.workspace_id = any (p_workspaces) and r.migration_id = p_migration;
    end if;
    res := jsonb_build_object('estimate', cnt, 'lower', cnt, 'upper', cnt,
      'verdict', case when cnt is null then 'inconclusive' when app_private.compare(cnt, op, thr) then 'pass' else 'fail' end,
      'test', 'count', 'p_value', null, 'needed_samples_estimate', null);
    reason := case when cnt is null then 'no_data' end;
    v_new := cnt;
  else
    metric_name := case stat when 'error_rate' then 'error' when 'success_rate' then 'success'
                             when 'metric_mean' then p_check ->> 'metric' when 'metric_rate' then p_check ->> 'metric'
                             else 'latency_ms' end;
    select * into nw from app_private.check_rollup(p_workspaces, p_migration, metric_name, 'new', p_from, p_to);
    n_new := nw.n;
    select * into o from app_private.check_rollup(p_workspaces, p_migration, metric_name, 'old', p_from, p_to);
    n_old := o.n;
    if stat in ('p50_latency', 'p95_latency', 'p99_latency') then
      q := case stat when 'p50_latency' then 0.5 when 'p95_latency' then 0.95 else 0.99 end;
      res := app_private.quantile_test(cmp, q, o.hist, o.min, o.max, nw.hist, nw.min, nw.max, op, thr, alpha, t_star);
      v_new := app_private.hist_quantile(nw.hist, q, nw.min, nw.max);
      v_old := app_private.hist_quantile(o.hist, q, o.min, o.max);
    elsif stat in ('error_rate', 'success_rate', 'metric_rate') then
      res := app_private.proportion_test(cmp, o.sum, o.n, nw.sum, nw.n, op, thr, alpha, t_star);
      v_new := nw.sum / nullif(nw.n, 0);
      v_old := o.sum / nullif(o.n, 0);
    elsif stat = 'metric_mean' then
      res := app_private.mean_test(cmp, o.n, o.sum / nullif(o.n, 0), app_private.hist_variance(o.hist, o.min, o.max),
        nw.n, nw.sum / nullif(nw.n, 0), app_private.hist_variance(nw.hist, nw.min, nw.max), op, thr, alpha, t_star);
      v_new := nw.sum / nullif(nw.n, 0);
      v_old := o.sum / nullif(o.n, 0);
    else
      raise exception 'Unknown check statistic: %', stat using errcode = '22023';
    end if;
    if n_new = 0 or (cmp <> 'absolute' and n_old = 0) then
      reason := 'no_data';
    elsif n_new < min_n or (cmp <> 'absolute' and n_old < min_n) then
      -- below the minimum sample the check waits, whatever the interval says
      reason := 'min_samples';
      res := res || jsonb_build_object('verdict', 'inconclusive', 'needed_samples_estimate',
        greatest(coalesce((res ->> 'needed_samples_estimate')::bigint, 0),
                 min_n - case when cmp = 'absolute' then n_new else least(n_old, n_new) end));
    elsif res ->> 'verdict' = 'inconclusive' and res ->> 'lower' is null then
      reason := 'too_few_samples';
    end if;
  end if;

  ev := jsonb_build_object(
    'check', coalesce(p_check ->> 'key', stat), 'label', p_check ->> 'label', 'statistic', stat, 'metric', metric_name,
    'comparison', cmp, 'operator', op, 'threshold', thr, 'alpha', alpha, 'min_samples', min_n,
    'n_old', n_old, 'n_new', n_new, 'value_old', v_old, 'value_new', v_new, 'reason', reason,
    'window', jsonb_build_object('from', p_from, 'to', p_to)) || res;
  return ev || jsonb_build_object('summary', app_private.check_summary(ev));
end
$$;
revoke all on function app_private.evaluate_check(jsonb, uuid[], uuid, timestamptz, timestamptz) from public, anon, authenticated, service_role;

-- The window a check judges a workspace on: its time at the current stage, the
-- last window_minutes of it when the check has a window, at most 7 days.
create or replace function app_private.check_window_from(p_check jsonb, p_entered_at timestamptz, p_now timestamptz)
returns timestamptz
language sql immutable set search_path = ''
as $$
  select greatest(p_entered_at, p_now - interval '7 days',
                  p_now - make_interval(mins => coalesce((p_check ->> 'window_minutes')::int, 10080)))
$$;
revoke all on function app_private.check_window_from(jsonb, timestamptz, timestamptz) from public, anon, authenticated, service_role;

-- A check for one workspace of a migration, over its window (members; read-only).
create or replace function public.evaluate_check(p_workspace uuid, p_migration uuid, p_check jsonb)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  r public.workspace_rollouts;
begin
  if not app_private.has_role('viewer') then
    raise exception 'Not allowed: members only.' using errcode = '42501';
  end if;
  select * into r from public.workspace_rollouts where workspace_id = p_workspace and migration_id = p_migration;
  if not found then
    raise exception 'This workspace is not enrolled in this migration.' using errcode = 'P0001';
  end if;
  return app_private.evaluate_check(p_check, array[p_workspace], p_migration,
    app_private.check_window_from(p_check, r.entered_at, now()), now() + interval '1 minute');
end
$$;
revoke all on function public.evaluate_check(uuid, uuid, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.evaluate_check(uuid, uuid, jsonb) to authenticated;

-- A check pooled over every workspace at a stage of a migration (the wave's
-- cohort, from the latest stage entry), plus each workspace's own evidence with an
-- outlier flag: its interval lies wholly on the failing side of the pooled one
-- (or it fails while the cohort does not). Small tenants are judged with the
-- strength of the cohort; a single bad tenant still stands out.
create or replace function app_private.evaluate_check_pooled(p_check jsonb, p_migration uuid, p_stage int, p_now timestamptz)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
declare
  ws uuid[];
  w_from timestamptz;
  pooled jsonb;
  per jsonb := '[]'::jsonb;
  w record;
  e jsonb;
  outlier boolean;
  le text := coalesce(p_check ->> 'operator', '<=');
begin
  select array_agg(r.workspace_id order by r.workspace_id), max(r.entered_at) into ws, w_from
    from public.workspace_rollouts r where r.migration_id = p_migration and r.stage = p_stage;
  if ws is null then
    return jsonb_build_object('pooled', null, 'workspaces', '[]'::jsonb, 'outliers', 0);
  end if;
  pooled := app_private.evaluate_check(p_check, ws, p_migration,
    app_private.check_window_from(p_check, w_from, p_now), p_now + interval '1 minute');
  for w in
    select r.workspace_id, r.entered_at, s.slug from public.workspace_rollouts r join public.workspaces s on s.id = r.workspace_id
     where r.migration_id = p_migration and r.stage = p_stage order by s.slug
  loop
    e := app_private.evaluate_check(p_check, array[w.workspace_id], p_migration,
      app_private.check_window_from(p_check, w.entered_at, p_now), p_now + interval '1 minute');
    outlier := (e ->> 'verdict' = 'fail' and pooled ->> 'verdict' <> 'fail')
      or (e ->> 'lower' is not null and pooled ->> 'upper' is not null and (
            (le in ('<=', '<') and (e ->> 'lower')::double precision > (pooled ->> 'upper')::double precision)
         or (le in ('>=', '>') and (e ->> 'upper')::double precision < (pooled ->> 'lower')::double precision)));
    per := per || jsonb_build_object('workspace_id', w.workspace_id, 'slug', w.slug, 'outlier', outlier, 'evidence', e);
  end loop;
  return jsonb_build_object('pooled', pooled, 'workspaces', per,
    'outliers', (select count(*) from jsonb_array_elements(per) x where (x ->> 'outlier')::boolean));
end
$$;
revoke all on function app_private.evaluate_check_pooled(jsonb, uuid, int, timestamptz) from public, anon, authenticated, service_role;

-- Members' entry point for the migration-level verdict of a check at a stage.
create or replace function public.evaluate_check_pooled(p_migration uuid, p_stage int, p_check jsonb)
returns jsonb
language plpgsql stable security definer set search_path = ''
as $$
begin
  if not app_private.has_role('viewer') then
    raise exception 'Not allowed: members only.' using errcode = '42501';
  end if;
  return app_private.evaluate_check_pooled(p_check, p_migration, p_stage, now());
end
$$;
revoke all on function public.evaluate_check_pooled(uuid, int, jsonb) from public, anon, authenticated, service_role;
grant execute on function public.evaluate_check_pooled(uuid, int, jsonb) to authenticated;
