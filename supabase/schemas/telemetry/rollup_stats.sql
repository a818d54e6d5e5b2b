-- Reading rollups ------------------------------------------------------------------------

-- Statistics of one metric/variant over [p_from, p_to), from rollups only: whole
-- hours from the hourly tier, the partial hours at the edges from 1-minute rows.
-- p_workspace null = every workspace of the migration. n = 0 and null stats when
-- there is no data. Security invoker: RLS applies to members; the service role reads all.
create or replace function public.rollup_stats(p_workspace uuid, p_migration uuid, p_metric text, p_variant text,
  p_from timestamptz, p_to timestamptz)
returns table (n bigint, mean double precision, p50 double precision, p95 double precision, p99 double precision,
               min double precision, max double precision)
language sql stable
set search_path = ''
as $$
  with b as (
    select date_trunc('hour', p_from) + case when date_trunc('hour', p_from) < p_from then interval '1 hour' else interval '0' end as hs,
           date_trunc('hour', p_to) as he,
           coalesce(p_workspace, '00000000-0000-0000-0000-000000000000'::uuid) as ws
  ), r as (
    select c.n, c.sum, c.min, c.max, c.hist from public.metric_rollups_coarse c, b
    where c.migration_id = p_migration and c.workspace_id = b.ws and c.resolution = 3600
      and c.metric = p_metric and c.variant = p_variant and c.bucket >= b.hs and c.bucket < b.he
    union all
    select m.n, m.sum, m.min, m.max, m.hist from public.metric_rollups m, b
    where p_workspace is not null and m.workspace_id = p_workspace and m.migration_id = p_migration
      and m.metric = p_metric and m.variant = p_variant and m.bucket >= p_from and m.bucket < p_to
      and not (m.bucket >= b.hs and m.bucket < b.he)
    union all
    select c.n, c.sum, c.min, c.max, c.hist from public.metric_rollups_coarse c, b
    where p_workspace is null and c.migration_id = p_migration and c.workspace_id = b.ws and c.resolution = 60
      and c.metric = p_metric and c.variant = p_variant and c.bucket >= p_from and c.bucket < p_to
      and not (c.bucket >= b.hs and c.bucket < b.he)
  ), a as (
    select coalesce(sum(r.n), 0)::bigint as n, sum(r.sum) as s, min(r.min) as mn, max(r.max) as mx,
           app_private.hist_sum(r.hist) as h
    from r
  )
  select a.n, case when a.n > 0 then a.s / a.n end,
         app_private.hist_quantile(a.h, 0.50, a.mn, a.mx),
         app_private.hist_quantile(a.h, 0.95, a.mn, a.mx),
         app_private.hist_quantile(a.h, 0.99, a.mn, a.mx),
         a.mn, a.mx
  from a
$$;

grant execute on function public.rollup_stats(uuid, uuid, text, text, timestamp with time zone, timestamp with time zone) to authenticated, service_role;
