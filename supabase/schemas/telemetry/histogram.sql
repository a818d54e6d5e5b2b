-- Histogram helpers -----------------------------------------------------------------

-- Bucket of a value (0..426). Kept in step with lib/telemetry/histogram.ts.
create or replace function app_private.hist_index(v double precision) returns int
language sql immutable parallel safe
as $$
  select case when v < 0.01 then 0
              else least(426, floor(ln(v / 0.01) / ln(1.05))::int + 1) end
$$;

grant execute on function app_private.hist_index(double precision) to authenticated, service_role;

-- Sum of two trimmed cumulative histograms (null-tolerant: the sfunc of hist_sum).
create or replace function app_private.hist_merge(a int[], b int[]) returns int[]
language sql immutable parallel safe
as $$
  -- pad both to the union of their ranges (0 below, n above), then add element-wise
  select case when a is null then b when b is null then a else (
    select r.lo || array(select x + y from unnest(
        array_fill(0, array[a[1] - r.lo]) || a[2:] || array_fill(a[cardinality(a)], array[r.hi - a[1] - cardinality(a) + 2]),
        array_fill(0, array[b[1] - r.lo]) || b[2:] || array_fill(b[cardinality(b)], array[r.hi - b[1] - cardinality(b) + 2])) u(x, y))
    from (select least(a[1], b[1]) as lo, greatest(a[1] + cardinality(a) - 2, b[1] + cardinality(b) - 2) as hi) r)
  end
$$;

grant execute on function app_private.hist_merge(integer[], integer[]) to authenticated, service_role;

create or replace aggregate app_private.hist_sum(int[]) (sfunc = app_private.hist_merge, stype = int[]);

grant execute on function app_private.hist_sum(integer[]) to authenticated, service_role;

-- Estimated q-quantile from a trimmed cumulative histogram: the bucket holding rank
-- ceil(q·n), interpolated in log space, clamped to the exact [min, max].
create or replace function app_private.hist_quantile(h int[], q double precision, mn double precision, mx double precision)
returns double precision
language plpgsql immutable parallel safe
as $$
declare
  total int := h[cardinality(h)];
  t int;
  k int;
  below int;
begin
  if total is null or total = 0 then
    return null;
  end if;
  t := greatest(1, ceil(q * total)::int);
  -- buckets lo..k-1 hold fewer than t samples: k is the bucket of rank t
  k := h[1] + width_bucket(t - 1, h[2:]);
  if k = 0 then
    return mn;
  elsif k >= 426 then
    return mx;
  end if;
  below := case when k = h[1] then 0 else h[k - h[1] + 1] end;
  return greatest(mn, least(mx,
    0.01 * power(1.05, (k - 1) + (t - 0.5 - below)::double precision / (h[k - h[1] + 2] - below))));
end
$$;

grant execute on function app_private.hist_quantile(integer[], double precision, double precision, double precision) to authenticated, service_role;
