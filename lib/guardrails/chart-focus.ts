/** Where an alert's limit is drawn on the old-vs-new charts. */
export interface ChartFocus {
  /** which chart the limit belongs on */
  chart: "latency" | "error" | "success";
  value: number;
  label: string;
  /** when the breach happened (ms) */
  at: number;
}

const CHART: Record<string, ChartFocus["chart"]> = {
  p50_latency: "latency",
  p95_latency: "latency",
  p99_latency: "latency",
  error_rate: "error",
  success_rate: "success",
};

/**
 * Where an alert's limit sits on the old-vs-new charts: the value the new variant
 * had to cross at the time of the breach (a ratio or difference is applied to the
 * old variant's value then), or nothing for rules without a chart.
 */
export function alertChartFocus(a: { rule: string; statistic: string; openedAt: string | Date; evaluation: Record<string, unknown> }): ChartFocus | undefined {
  const chart = CHART[a.statistic];
  const e = a.evaluation;
  const threshold = typeof e.threshold === "number" ? e.threshold : null;
  if (!chart || threshold === null) return undefined;
  const old = typeof e.value_old === "number" ? e.value_old : null;
  let value: number | null;
  if (e.comparison === "ratio") value = old === null ? null : old * threshold;
  else if (e.comparison === "difference") value = old === null ? null : old + threshold;
  else value = threshold;
  if (value === null || !Number.isFinite(value)) return undefined;
  const guard = typeof e.absolute_guard === "number" ? e.absolute_guard : null;
  if (guard !== null) value = e.operator === "<" || e.operator === "<=" ? Math.min(value, guard) : Math.max(value, guard);
  return { chart, value, label: `limit: ${a.rule}`, at: new Date(a.openedAt).getTime() };
}
