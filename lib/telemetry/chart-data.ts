import "server-only";
import type { Tx } from "@/lib/db";
import { RANGES, STANDARD_METRICS, type RangeKey } from "./ranges";

export const ALL_WORKSPACES = "00000000-0000-0000-0000-000000000000";
/** The p95 tile follows the chart's range (hourly histograms keep 30 days cheap). */
export const P95_WINDOW_MS = 31 * 86_400_000;

export interface Scope {
  migrationId: string;
  migrationKey: string;
  migrationName: string;
  /** null: every workspace of the migration */
  workspaceId: string | null;
  workspaceSlug: string | null;
}

/** Resolves the chart's migration (and workspace) as the caller sees them (RLS). Null when not found. */
export async function resolveScope(tx: Tx, migrationKey: string, workspaceSlug: string | null): Promise<Scope | null> {
  const [row] = await tx<{ migration_id: string; migration_name: string; workspace_id: string | null }[]>`
    select m.id as migration_id, m.name as migration_name,
           (select w.id from public.workspaces w where w.slug = ${workspaceSlug}) as workspace_id
    from public.migrations m where m.key = ${migrationKey}`;
  if (!row || (workspaceSlug !== null && !row.workspace_id)) return null;
  return { migrationId: row.migration_id, migrationKey, migrationName: row.migration_name, workspaceId: row.workspace_id, workspaceSlug };
}

/** One time bucket: per variant, p50/p95 latency, error and success rate, volume, custom means. */
export interface SeriesPoint {
  t: number;
  [key: string]: number | null;
}

export interface StageMarker {
  t: number;
  kind: string;
  from: number;
  to: number;
  workspace: string;
  reason: string;
}

export interface SeriesResponse {
  range: RangeKey;
  resolution: number;
  from: number;
  to: number;
  points: SeriesPoint[];
  /** Custom metrics with data in the last 30 days (selectable). */
  customMetrics: string[];
  markers: StageMarker[];
  /** Over the range; p95 over the last P95_WINDOW_MS of it at most. */
  totals: Record<"old" | "new", { n: number; errorRate: number | null; successRate: number | null; p95: number | null }>;
}

interface Row {
  t: number;
  metric: string;
  variant: "old" | "new";
  n: number;
  sum: number;
  p50: number | null;
  p95: number | null;
}

/**
 * Chart series from the rollup tier that matches the range (1-minute rows for
 * 1 h, 10-minute for 24 h, hourly for 7 and 30 days): at most ~720 rows per
 * series, percentiles read per row from its histogram, never from raw samples.
 */
export async function readSeries(tx: Tx, scope: Scope, range: RangeKey, custom: string[], now = Date.now()): Promise<SeriesResponse> {
  const { ms, resolution } = RANGES[range];
  const from = Math.floor((now - ms) / (resolution * 1000)) * resolution * 1000;
  const metrics = [...STANDARD_METRICS, ...custom];
  const quantiled = ["latency_ms", ...custom];
  const ws = scope.workspaceId ?? ALL_WORKSPACES;
  const fromDate = new Date(from);
  // The p95 tile merges histograms over the whole range, like the other tiles:
  // rollup_stats reads hourly rows for whole hours, so 30 days is ~720 rows.
  const p95From = new Date(Math.max(from, now - P95_WINDOW_MS));

  const rows =
    scope.workspaceId && resolution === 60
      ? await tx<Row[]>`
          select extract(epoch from bucket)::float8 * 1000 as t, metric, variant, n::float8 as n, sum,
                 case when metric = any(${quantiled}::text[]) then app_private.hist_quantile(hist, 0.5, min, max) end as p50,
                 case when metric = any(${quantiled}::text[]) then app_private.hist_quantile(hist, 0.95, min, max) end as p95
          from public.metric_rollups
          where workspace_id = ${ws} and migration_id = ${scope.migrationId} and metric = any(${metrics}::text[]) and bucket >= ${fromDate}
          order by bucket`
      : await tx<Row[]>`
          select extract(epoch from bucket)::float8 * 1000 as t, metric, variant, n::float8 as n, sum,
                 case when metric = any(${quantiled}::text[]) then app_private.hist_quantile(hist, 0.5, min, max) end as p50,
                 case when metric = any(${quantiled}::text[]) then app_private.hist_quantile(hist, 0.95, min, max) end as p95
          from public.metric_rollups_coarse
          where migration_id = ${scope.migrationId} and workspace_id = ${ws} and resolution = ${resolution}
            and metric = any(${metrics}::text[]) and bucket >= ${fromDate}
          order by bucket`;

  const [customRows, markers, p95s] = await Promise.all([
    tx<{ metric: string }[]>`
      select distinct metric from public.metric_rollups_coarse
      where migration_id = ${scope.migrationId} and workspace_id = ${ws} and resolution = 3600
        and bucket >= ${new Date(now - RANGES["30d"].ms)} and metric <> all(${[...STANDARD_METRICS]}::text[])
      order by metric limit 50`,
    tx<StageMarker[]>`
      select extract(epoch from t.created_at)::float8 * 1000 as t, t.kind, t.from_stage as from, t.to_stage as to,
             w.slug as workspace, t.reason
      from public.stage_transitions t join public.workspaces w on w.id = t.workspace_id
      where t.migration_id = ${scope.migrationId} and (${scope.workspaceId}::uuid is null or t.workspace_id = ${scope.workspaceId})
        and t.created_at >= ${fromDate} and t.kind <> 'enroll'
      order by t.created_at desc limit 200`,
    tx<{ variant: "old" | "new"; p95: number | null }[]>`
      select v.variant, s.p95 from (values ('old'), ('new')) v(variant),
        lateral public.rollup_stats(${scope.workspaceId}, ${scope.migrationId}, 'latency_ms', v.variant, ${p95From}, ${new Date(now + 60_000)}) s`,
  ]);

  const byT = new Map<number, SeriesPoint>();
  const totals = { old: { n: 0, err: [0, 0], succ: [0, 0] }, new: { n: 0, err: [0, 0], succ: [0, 0] } };
  for (const r of rows) {
    let p = byT.get(r.t);
    if (!p) byT.set(r.t, (p = { t: r.t }));
    const v = r.variant;
    const mean = r.n > 0 ? r.sum / r.n : null;
    if (r.metric === "latency_ms") {
      p[`p50_${v}`] = r.p50;
      p[`p95_${v}`] = r.p95;
      p[`volume_${v}`] = r.n;
      totals[v].n += r.n;
    } else if (r.metric === "error") {
      p[`error_${v}`] = mean;
      totals[v].err[0] += r.sum;
      totals[v].err[1] += r.n;
    } else if (r.metric === "success") {
      p[`success_${v}`] = mean;
      totals[v].succ[0] += r.sum;
      totals[v].succ[1] += r.n;
    } else {
      p[`${r.metric}_${v}`] = mean;
      p[`${r.metric}_p95_${v}`] = r.p95;
    }
  }
  const p95 = Object.fromEntries(p95s.map((x) => [x.variant, x.p95]));
  const total = (v: "old" | "new") => ({
    n: totals[v].n || Math.max(totals[v].err[1], totals[v].succ[1]),
    errorRate: totals[v].err[1] ? totals[v].err[0] / totals[v].err[1] : null,
    successRate: totals[v].succ[1] ? totals[v].succ[0] / totals[v].succ[1] : null,
    p95: p95[v] ?? null,
  });
  return {
    range, resolution, from, to: now,
    points: [...byT.values()],
    customMetrics: customRows.map((r) => r.metric),
    markers: markers.reverse(),
    totals: { old: total("old"), new: total("new") },
  };
}
