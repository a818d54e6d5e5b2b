-- Sequential statistics behind checks: intervals that stay valid however often
-- they are looked at (after every metrics batch), so re-evaluating a check does
-- not add chances for noise to cross a limit.
--
-- Executable only by their owner (the security definer functions that use them).
-- Pure arithmetic on builtins, so no `set search_path` (which would stop inlining
-- and cost a configuration change per call; these run thousands of times per sweep).
--
-- Method: the two-sided normal-mixture confidence sequence (Robbins 1970; Howard,
-- Ramdas, McAuliffe & Sekhon 2021, eq. 14; in its asymptotic form, Waudby-Smith et
-- al. 2023, "Time-uniform central limit theory"), the dual of the mixture SPRT of
-- Johari et al. (2017). For an estimator with standard error se after t samples
-- per variant, the interval at level α is
--   estimate ± se · sqrt( (tρ² + 1)/(tρ²) · 2·ln( sqrt(tρ² + 1) / α ) ),
-- which holds at every t at once with probability ≥ 1 − α. ρ sets the sample size
-- where the interval is tightest; ρ² = (−2 ln α + ln(1 − 2 ln α)) / t*.
-- Rates use score intervals (Wilson; Newcombe for differences) with the sequence's
-- multiplier, ratios work on the log scale (delta method), quantiles use the
-- asymptotic variance of a sample quantile, q(1−q) / (n f(ξ)²), with the density
-- read off the rollup histogram's CDF.

-- Width multiplier of the confidence sequence after t samples (per variant).
create or replace function app_private.cs_multiplier(p_t double precision, p_alpha double precision, p_t_star double precision)
returns double precision
language sql immutable parallel safe
as $$
  -- one expression (no subquery) so that it is inlined into its callers
  select case when p_t > 0 and p_alpha > 0 and p_alpha < 1 then
    sqrt((p_t * (-2 * ln(p_alpha) + ln(1 - 2 * ln(p_alpha))) / greatest(p_t_star, 1) + 1)
         / (p_t * (-2 * ln(p_alpha) + ln(1 - 2 * ln(p_alpha))) / greatest(p_t_star, 1))
         * 2 * ln(sqrt(p_t * (-2 * ln(p_alpha) + ln(1 - 2 * ln(p_alpha))) / greatest(p_t_star, 1) + 1) / p_alpha)) end
$$;
revoke all on function app_private.cs_multiplier(double precision, double precision, double precision) from public, anon, authenticated, service_role;

-- Always-valid p-value of "the statistic equals the threshold" (mixture likelihood
-- ratio of the same normal mixture, capped at 1).
create or replace function app_private.cs_p_value(p_z double precision, p_t double precision, p_alpha double precision, p_t_star double precision)
returns double precision
language plpgsql immutable parallel safe
as $$
declare
  v double precision;
begin
  if p_z is null or p_t is null or p_t <= 0 then
    return null;
  elsif abs(p_z) < 1e-100 then
    return 1;
  elsif abs(p_z) > 1e100 then
    return 0;
  end if;
  v := p_t * (-2 * ln(p_alpha) + ln(1 - 2 * ln(p_alpha))) / greatest(p_t_star, 1);
  return least(1, sqrt(v + 1) * exp(greatest(-700, -v / (v + 1) * p_z * p_z / 2)));
end
$$;
revoke all on function app_private.cs_p_value(double precision, double precision, double precision, double precision) from public, anon, authenticated, service_role;

-- pass / fail / inconclusive of "statistic <op> threshold" from an interval:
-- pass when the whole interval meets the requirement, fail when none of it does.
create or replace function app_private.interval_verdict(p_lower double precision, p_upper double precision, p_operator text, p_threshold double precision)
returns text
language sql immutable parallel safe
as $$
  select case
    when p_lower is null or p_upper is null or p_threshold is null then 'inconclusive'
    when p_operator = '<=' then case when p_upper <= p_threshold then 'pass' when p_lower > p_threshold then 'fail' else 'inconclusive' end
    when p_operator = '<' then case when p_upper < p_threshold then 'pass' when p_lower >= p_threshold then 'fail' else 'inconclusive' end
    when p_operator = '>=' then case when p_lower >= p_threshold then 'pass' when p_upper < p_threshold then 'fail' else 'inconclusive' end
    when p_operator = '>' then case when p_lower > p_threshold then 'pass' when p_upper <= p_threshold then 'fail' else 'inconclusive' end
    else 'inconclusive' end
$$;
revoke all on function app_private.interval_verdict(double precision, double precision, text, double precision) from public, anon, authenticated, service_role;

-- The decision of one sequential test. p_estimate / p_center / p_se are on the
-- scale the test works on (log scale when p_log: ratios and quantiles); the
-- threshold is on the natural scale. p_slack widens the interval by a fixed amount
-- on that scale (the histogram's resolution for quantiles). Returns
-- {estimate, lower, upper, verdict, p_value, needed_samples_estimate}:
-- needed_samples_estimate = more samples per variant until the interval clears the
-- threshold if the estimate stayed where it is (null when it never would).
create or replace function app_private.cs_decide(
  p_estimate double precision, p_center double precision, p_se double precision, p_t double precision,
  p_operator text, p_threshold double precision, p_alpha double precision, p_t_star double precision,
  p_log boolean, p_slack double precision, p_clamp_lo double precision, p_clamp_hi double precision)
returns jsonb
language plpgsql immutable parallel safe
as $$
declare
  m double precision;
  half double precision;
  lo double precision;
  hi double precision;
  thr double precision;
  gap double precision;
  t_hi double precision;
  t_lo double precision;
  t_mid double precision;
  needed double precision;
  verdict text;
begin
  if p_estimate is null or p_center is null or p_se is null or p_t is null or p_t < 1 or p_se <> p_se then
    return jsonb_build_object('estimate', case when p_log then exp(p_estimate) else p_estimate end,
      'lower', null, 'upper', null, 'verdict', 'inconclusive', 'p_value', null, 'needed_samples_estimate', null);
  end if;
  m := app_private.cs_multiplier(p_t, p_alpha, p_t_star);
  half := m * p_se + coalesce(p_slack, 0);
  -- the interval always holds the point estimate (the adjusted center may differ slightly)
  lo := least(p_center - half, p_estimate);
  hi := greatest(p_center + half, p_estimate);
  if p_log then
    lo := exp(lo); hi := exp(hi);
  end if;
  lo := greatest(lo, p_clamp_lo);
  hi := least(hi, p_clamp_hi);
  verdict := app_private.interval_verdict(lo, hi, p_operator, p_threshold);

  thr := case when p_log then case when p_threshold > 0 then ln(p_threshold) end else p_threshold end;
  if verdict = 'inconclusive' and thr is not null and p_se > 0 then
    gap := abs(p_center - thr) - coalesce(p_slack, 0);
    if gap > 0 then
      -- smallest t' with m(t')·se·sqrt(t/t') < gap: double, then bisect
      t_lo := p_t; t_hi := p_t;
      while t_hi < 1e9 and app_private.cs_multiplier(t_hi, p_alpha, p_t_star) * p_se * sqrt(p_t / t_hi) >= gap loop
        t_lo := t_hi; t_hi := t_hi * 2;
      end loop;
      if t_hi < 1e9 then
        for i in 1..40 loop
          exit when t_hi - t_lo < greatest(1, 0.01 * t_hi);
          t_mid := (t_lo + t_hi) / 2;
          if app_private.cs_multiplier(t_mid, p_alpha, p_t_star) * p_se * sqrt(p_t / t_mid) >= gap then t_lo := t_mid; else t_hi := t_mid; end if;
        end loop;
        needed := ceil(t_hi - p_t);
      end if;
    end if;
  end if;
  return jsonb_build_object(
    'estimate', case when p_log then exp(p_estimate) else p_estimate end,
    'lower', lo, 'upper', hi, 'verdict', verdict,
    'p_value', case when thr is not null and p_se > 0 then app_private.cs_p_value((p_center - thr) / p_se, p_t, p_alpha, p_t_star) end,
    'needed_samples_estimate', needed);
end
$$;
revoke all on function app_private.cs_decide(double precision, double precision, double precision, double precision, text, double precision, double precision, double precision, boolean, double precision, double precision, double precision) from public, anon, authenticated, service_role;

-- Score (Wilson) limits of a rate with the sequence's multiplier m in place of z:
-- every p with |x/n − p| ≤ m·sqrt(p(1−p)/n). Unlike a Wald interval it never
-- collapses on zero or few events, so "no errors yet" does not read as certainty.
create or replace function app_private.wilson_limits(p_x double precision, p_n double precision, p_m double precision,
  out lower double precision, out upper double precision)
language plpgsql immutable parallel safe
as $$
declare
  p double precision := p_x / p_n;
  k double precision := p_m * p_m / p_n;
  c double precision;
  h double precision;
begin
  c := (p + k / 2) / (1 + k);
  h := p_m / (1 + k) * sqrt(greatest(0, p * (1 - p)) / p_n + p_m * p_m / (4 * p_n * p_n));
  lower := greatest(0, c - h);
  upper := least(1, c + h);
end
$$;
revoke all on function app_private.wilson_limits(double precision, double precision, double precision) from public, anon, authenticated, service_role;

-- Score bounds of a rate (absolute) or of a difference of rates (Newcombe 1998,
-- method 10: from the two score intervals), with the sequence's multiplier.
create or replace function app_private.rate_bounds(p_comparison text, p_x_old double precision, p_n_old double precision,
  p_x_new double precision, p_n_new double precision, p_alpha double precision, p_t_star double precision,
  out lower double precision, out upper double precision)
language plpgsql immutable parallel safe
as $$
declare
  m double precision := app_private.cs_multiplier(
    case when p_comparison = 'absolute' then p_n_new else least(p_n_old, p_n_new) end, p_alpha, p_t_star);
  pn double precision := p_x_new / p_n_new;
  po double precision;
  wn record;
  wo record;
begin
  select * into wn from app_private.wilson_limits(p_x_new, p_n_new, m);
  if p_comparison = 'absolute' then
    lower := wn.lower;
    upper := wn.upper;
    return;
  end if;
  po := p_x_old / p_n_old;
  select * into wo from app_private.wilson_limits(p_x_old, p_n_old, m);
  lower := (pn - po) - sqrt((pn - wn.lower) ^ 2 + (wo.upper - po) ^ 2);
  upper := (pn - po) + sqrt((wn.upper - pn) ^ 2 + (po - wo.lower) ^ 2);
end
$$;
revoke all on function app_private.rate_bounds(text, double precision, double precision, double precision, double precision, double precision, double precision) from public, anon, authenticated, service_role;

-- Sequential test of a proportion (absolute) or of two proportions (difference or
-- ratio new vs old), from counts of successes x out of n. Absolute and difference:
-- the score bounds above; the samples-needed estimate scales both variants' counts
-- at their current rates until those bounds clear the threshold. Ratio: log scale
-- with Agresti–Caffo's +1/+2 adjustment. The p-value uses the adjusted
-- (x+1)/(n+2) rates and their standard error.
create or replace function app_private.proportion_test(
  p_comparison text, p_x_old double precision, p_n_old double precision, p_x_new double precision, p_n_new double precision,
  p_operator text, p_threshold double precision, p_alpha double precision, p_t_star double precision default 1000)
returns jsonb
language plpgsql immutable parallel safe
as $$
declare
  po double precision;
  pn double precision;
  ao double precision;
  an double precision;
  b record;
  res jsonb;
  verdict text;
  f_lo double precision := 1;
  f_hi double precision := 1;
  f double precision;
  needed double precision;
begin
  if coalesce(p_n_new, 0) < 1 or (p_comparison <> 'absolute' and coalesce(p_n_old, 0) < 1) then
    return app_private.cs_decide(null, null, null, null, p_operator, p_threshold, p_alpha, p_t_star, false, 0, '-infinity', 'infinity')
      || jsonb_build_object('test', 'proportion_cs');
  end if;
  pn := p_x_new / p_n_new;
  an := (p_x_new + 1) / (p_n_new + 2);
  po := p_x_old / p_n_old;
  ao := (p_x_old + 1) / (p_n_old + 2);
  if p_comparison = 'ratio_to_old' then
    -- a raw rate of 0 has no log: the estimate is reported from the adjusted rates then
    return app_private.cs_decide(case when pn > 0 and po > 0 then ln(pn / po) else ln(an / ao) end, ln(an / ao),
        sqrt((1 - an) / (an * (p_n_new + 2)) + (1 - ao) / (ao * (p_n_old + 2))),
        least(p_n_old, p_n_new), p_operator, p_threshold, p_alpha, p_t_star, true, 0, 0, 'infinity')
        || jsonb_build_object('test', 'proportion_ratio_cs');
  end if;
  select * into b from app_private.rate_bounds(p_comparison, p_x_old, p_n_old, p_x_new, p_n_new, p_alpha, p_t_star);
  verdict := app_private.interval_verdict(b.lower, b.upper, p_operator, p_threshold);
  if p_comparison = 'absolute' then
    res := jsonb_build_object('estimate', pn, 'test', 'proportion_cs', 'p_value',
      case when an * (1 - an) > 0 then app_private.cs_p_value((an - p_threshold) / sqrt(an * (1 - an) / (p_n_new + 2)), p_n_new, p_alpha, p_t_star) end);
  else
    res := jsonb_build_object('estimate', pn - po, 'test', 'proportion_difference_cs', 'p_value',
      app_private.cs_p_value((an - ao - p_threshold) / sqrt(an * (1 - an) / (p_n_new + 2) + ao * (1 - ao) / (p_n_old + 2)),
                             least(p_n_old, p_n_new), p_alpha, p_t_star));
  end if;
  if verdict = 'inconclusive' then
    -- if the rates stayed where they are: how many times the data settles it?
    while f_hi < 1e6 and app_private.interval_verdict((select r.lower from app_private.rate_bounds(p_comparison, p_x_old * f_hi, p_n_old * f_hi,
             p_x_new * f_hi, p_n_new * f_hi, p_alpha, p_t_star) r), (select r.upper from app_private.rate_bounds(p_comparison, p_x_old * f_hi,
             p_n_old * f_hi, p_x_new * f_hi, p_n_new * f_hi, p_alpha, p_t_star) r), p_operator, p_threshold) = 'inconclusive' loop
      f_lo := f_hi;
      f_hi := f_hi * 2;
    end loop;
    if f_hi < 1e6 then
      for i in 1..30 loop
        exit when (f_hi - f_lo) * least(coalesce(p_n_old, p_n_new), p_n_new) < greatest(1, 0.01 * f_hi * p_n_new);
        f := (f_lo + f_hi) / 2;
        select * into b from app_private.rate_bounds(p_comparison, p_x_old * f, p_n_old * f, p_x_new * f, p_n_new * f, p_alpha, p_t_star);
        if app_private.interval_verdict(b.lower, b.upper, p_operator, p_threshold) = 'inconclusive' then f_lo := f; else f_hi := f; end if;
      end loop;
      needed := ceil((f_hi - 1) * case when p_comparison = 'absolute' then p_n_new else least(p_n_old, p_n_new) end);
    end if;
    select * into b from app_private.rate_bounds(p_comparison, p_x_old, p_n_old, p_x_new, p_n_new, p_alpha, p_t_star);
  end if;
  return res || jsonb_build_object('lower', b.lower, 'upper', b.upper, 'verdict', verdict, 'needed_samples_estimate', needed);
end
$$;
revoke all on function app_private.proportion_test(text, double precision, double precision, double precision, double precision, text, double precision, double precision, double precision) from public, anon, authenticated, service_role;

-- Sequential test of a mean (absolute) or of two means (difference or ratio), from
-- n, mean and variance per variant (asymptotic confidence sequence).
create or replace function app_private.mean_test(
  p_comparison text, p_n_old double precision, p_mean_old double precision, p_var_old double precision,
  p_n_new double precision, p_mean_new double precision, p_var_new double precision,
  p_operator text, p_threshold double precision, p_alpha double precision, p_t_star double precision default 1000)
returns jsonb
language plpgsql immutable parallel safe
as $$
begin
  if coalesce(p_n_new, 0) < 2 or p_var_new is null
     or (p_comparison <> 'absolute' and (coalesce(p_n_old, 0) < 2 or p_var_old is null)) then
    return app_private.cs_decide(null, null, null, null, p_operator, p_threshold, p_alpha, p_t_star, false, 0, '-infinity', 'infinity')
      || jsonb_build_object('test', 'mean_cs');
  end if;
  if p_comparison = 'absolute' then
    return app_private.cs_decide(p_mean_new, p_mean_new, sqrt(p_var_new / p_n_new), p_n_new,
      p_operator, p_threshold, p_alpha, p_t_star, false, 0, '-infinity', 'infinity') || jsonb_build_object('test', 'mean_cs');
  elsif p_comparison = 'difference_to_old' then
    return app_private.cs_decide(p_mean_new - p_mean_old, p_mean_new - p_mean_old,
      sqrt(p_var_new / p_n_new + p_var_old / p_n_old), least(p_n_old, p_n_new),
      p_operator, p_threshold, p_alpha, p_t_star, false, 0, '-infinity', 'infinity') || jsonb_build_object('test', 'mean_difference_cs');
  elsif p_mean_new > 0 and p_mean_old > 0 then
    return app_private.cs_decide(ln(p_mean_new / p_mean_old), ln(p_mean_new / p_mean_old),
      sqrt(p_var_new / (p_n_new * p_mean_new ^ 2) + p_var_old / (p_n_old * p_mean_old ^ 2)), least(p_n_old, p_n_new),
      p_operator, p_threshold, p_alpha, p_t_star, true, 0, 0, 'infinity') || jsonb_build_object('test', 'mean_ratio_cs');
  end if;
  -- a ratio needs positive means
  return app_private.cs_decide(null, null, null, null, p_operator, p_threshold, p_alpha, p_t_star, false, 0, '-infinity', 'infinity')
    || jsonb_build_object('test', 'mean_ratio_cs');
end
$$;
revoke all on function app_private.mean_test(text, double precision, double precision, double precision, double precision, double precision, double precision, text, double precision, double precision, double precision) from public, anon, authenticated, service_role;

-- Variance of the values behind a rollup histogram (bucket midpoints in log space,
-- clamped to the exact min/max). Values below 0.01 share bucket 0 and are taken
-- at the minimum; with negative values the histogram says too little and the
-- bound (max − min)²/4 (Popoviciu) is returned instead: never smaller than the truth.
create or replace function app_private.hist_variance(h int[], mn double precision, mx double precision)
returns double precision
language plpgsql immutable parallel safe
as $$
begin
  return (select case
    when h is null or h[cardinality(h)] is null or h[cardinality(h)] < 2 then null
    when mn < 0 then (mx - mn) ^ 2 / 4
    else (
      select greatest(0, sum(b.c * b.v * b.v) / sum(b.c) - (sum(b.c * b.v) / sum(b.c)) ^ 2)
      from (
        select (u.cum - coalesce(lag(u.cum) over (order by u.ord), 0))::double precision as c,
               greatest(mn, least(mx, case when h[1] + u.ord - 1 = 0 then mn
                                           else 0.01 * power(1.05, h[1] + u.ord - 1.5) end)) as v
        from unnest(h[2:]) with ordinality u(cum, ord)
      ) b
      where b.c > 0) end);
end
$$;
revoke all on function app_private.hist_variance(int[], double precision, double precision) from public, anon, authenticated, service_role;

-- q-quantile of a rollup histogram with the standard error of its logarithm:
-- sqrt(q(1−q)/n) / (ξ f(ξ)), the slope d ln ξ / dq read off the histogram's CDF
-- over q ± h (h = 1.5 standard errors of q, at most half the distance to 0 or 1).
create or replace function app_private.hist_quantile_log_se(h int[], q double precision, mn double precision, mx double precision,
  out estimate double precision, out se_log double precision)
language plpgsql immutable parallel safe
as $$
declare
  n double precision := h[cardinality(h)];
  bw double precision;
  lo double precision;
  hi double precision;
begin
  if n is null or n < 2 then
    return;
  end if;
  estimate := app_private.hist_quantile(h, q, mn, mx);
  bw := least(0.5 * least(q, 1 - q), greatest(1.5 * sqrt(q * (1 - q) / n), 1 / n));
  lo := app_private.hist_quantile(h, q - bw, mn, mx);
  hi := app_private.hist_quantile(h, q + bw, mn, mx);
  if lo is null or hi is null or lo <= 0 or estimate <= 0 then
    return;
  end if;
  se_log := (ln(hi) - ln(lo)) / (2 * bw) * sqrt(q * (1 - q) / n);
end
$$;
revoke all on function app_private.hist_quantile_log_se(int[], double precision, double precision, double precision) from public, anon, authenticated, service_role;

-- Sequential test of a latency quantile (absolute) or of the quantile ratio new/old
-- (ratio_to_old; difference_to_old in the metric's unit) from two rollup histograms.
-- Needs at least 10 samples beyond the quantile in each variant (n(1−q) ≥ 10),
-- else inconclusive. The log interval is widened by half a histogram bucket
-- (ln 1.05 / 2): the resolution of a percentile read from a rollup.
create or replace function app_private.quantile_test(
  p_comparison text, p_q double precision,
  p_h_old int[], p_min_old double precision, p_max_old double precision,
  p_h_new int[], p_min_new double precision, p_max_new double precision,
  p_operator text, p_threshold double precision, p_alpha double precision, p_t_star double precision default 1000)
returns jsonb
language plpgsql immutable parallel safe
as $$
declare
  n_old double precision := coalesce(p_h_old[cardinality(p_h_old)], 0);
  n_new double precision := coalesce(p_h_new[cardinality(p_h_new)], 0);
  qo record;
  qn record;
  slack double precision := ln(1.05) / 2;
  test text := case p_comparison when 'absolute' then 'quantile_cs' when 'ratio_to_old' then 'quantile_ratio_cs' else 'quantile_difference_cs' end;
  none jsonb := app_private.cs_decide(null, null, null, null, p_operator, p_threshold, p_alpha, p_t_star, false, 0, '-infinity', 'infinity');
begin
  if n_new * (1 - p_q) < 10 or (p_comparison <> 'absolute' and n_old * (1 - p_q) < 10) then
    return none || jsonb_build_object('test', test);
  end if;
  select * into qn from app_private.hist_quantile_log_se(p_h_new, p_q, p_min_new, p_max_new);
  if qn.se_log is null then
    return none || jsonb_build_object('test', test);
  end if;
  if p_comparison = 'absolute' then
    return app_private.cs_decide(ln(qn.estimate), ln(qn.estimate), qn.se_log, n_new,
      p_operator, p_threshold, p_alpha, p_t_star, true, slack, 0, 'infinity') || jsonb_build_object('test', test);
  end if;
  select * into qo from app_private.hist_quantile_log_se(p_h_old, p_q, p_min_old, p_max_old);
  if qo.se_log is null then
    return none || jsonb_build_object('test', test);
  end if;
  if p_comparison = 'ratio_to_old' then
    return app_private.cs_decide(ln(qn.estimate / qo.estimate), ln(qn.estimate / qo.estimate),
      sqrt(qn.se_log ^ 2 + qo.se_log ^ 2), least(n_old, n_new),
      p_operator, p_threshold, p_alpha, p_t_star, true, slack, 0, 'infinity') || jsonb_build_object('test', test);
  end if;
  -- difference in the metric's unit (delta method: se(ξ) = ξ · se(ln ξ))
  return app_private.cs_decide(qn.estimate - qo.estimate, qn.estimate - qo.estimate,
    sqrt((qn.estimate * qn.se_log) ^ 2 + (qo.estimate * qo.se_log) ^ 2), least(n_old, n_new),
    p_operator, p_threshold, p_alpha, p_t_star, false, slack * (qn.estimate + qo.estimate) / 2, '-infinity', 'infinity')
    || jsonb_build_object('test', test);
end
$$;
revoke all on function app_private.quantile_test(text, double precision, int[], double precision, double precision, int[], double precision, double precision, text, double precision, double precision, double precision) from public, anon, authenticated, service_role;
