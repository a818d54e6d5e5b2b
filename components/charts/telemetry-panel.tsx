"use client";

import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { RANGES, RANGE_KEYS, type RangeKey } from "@/lib/telemetry/ranges";
import { FeedbackSection } from "./feedback-section";
import { FirstSample } from "./first-sample";
import { COLORS, formatCount, formatMs, formatPct } from "./format";
import { MetricChart } from "./metric-chart";
import { LIVE_MS, useSeries } from "./use-telemetry";

const pair = (prefix: string, label: string) => [
  { key: `${prefix}_old`, name: `old ${label}`.trim(), color: COLORS.old },
  { key: `${prefix}_new`, name: `new ${label}`.trim(), color: COLORS.new },
];

/**
 * Old vs new for one migration: of one workspace when `workspaceSlug` is given,
 * of all its workspaces otherwise. Polls every few seconds, so new samples show
 * without a reload; stage transitions are drawn on every chart.
 */
import type { ChartFocus } from "@/lib/guardrails/chart-focus";
export type { ChartFocus };

/** The smallest range that still shows `at`. */
function rangeShowing(at: number): RangeKey {
  const age = Date.now() - at;
  return age < 50 * 60_000 ? "1h" : age < 23 * 3_600_000 ? "24h" : age < 6.5 * 86_400_000 ? "7d" : "30d";
}

export function TelemetryPanel({ workspaceSlug, migrationKey, focus }: { workspaceSlug?: string; migrationKey: string; focus?: ChartFocus }) {
  const [range, setRange] = useState<RangeKey>(() => (focus ? rangeShowing(focus.at) : "24h"));
  const limit = (c: ChartFocus["chart"]) => (focus?.chart === c ? { value: focus.value, label: focus.label, at: focus.at } : undefined);
  const [custom, setCustom] = useState<string[]>([]);
  const target = { migrationKey, workspaceSlug };
  const q = useSeries(target, range, custom);
  const d = q.data;
  const empty = d && d.points.length === 0 && d.customMetrics.length === 0 && d.totals.old.n + d.totals.new.n === 0;
  const chart = { points: d?.points ?? [], markers: d?.markers ?? [], range, from: d?.from ?? 0, to: d?.to ?? 0, resolution: d?.resolution };

  return (
    <Card className="overflow-hidden">
      <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 px-5 py-4">
        <div>
          <h2 className="text-sm font-semibold text-slate-900">Old vs new</h2>
          <p className="mt-0.5 text-sm text-slate-500">
            {workspaceSlug ? "This workspace" : "All workspaces"} · {RANGES[range].label} · dashed lines mark stage changes (hover for details)
          </p>
        </div>
        <div className="flex items-center gap-3">
          <LiveDot fetching={q.isFetching} updatedAt={q.dataUpdatedAt} failed={q.isError} />
          <div role="group" aria-label="Time range" className="inline-flex rounded-md shadow-sm ring-1 ring-slate-300">
            {RANGE_KEYS.map((r) => (
              <button key={r} type="button" onClick={() => setRange(r)} aria-pressed={range === r}
                className={cn("px-3 py-1.5 text-sm first:rounded-l-md last:rounded-r-md", range === r ? "bg-brand-600 font-medium text-white" : "bg-white text-slate-700 hover:bg-slate-50")}>
                {r}
              </button>
            ))}
          </div>
        </div>
      </div>

      {q.isPending ? <Skeleton /> : null}
      {q.isError && !d ? (
        <div className="px-5 py-8 text-sm" role="alert">
          <p className="font-semibold text-rose-700">Telemetry could not be loaded</p>
          <p className="mt-1 text-slate-600">{q.error.message}. If the database is restarting this clears by itself; otherwise reload the page.</p>
          <Button variant="secondary" size="sm" className="mt-3" onClick={() => q.refetch()}>Try again</Button>
        </div>
      ) : null}
      {empty ? <FirstSample migrationKey={migrationKey} workspaceSlug={workspaceSlug} /> : null}

      {d && !empty ? (
        <>
          <dl className="grid grid-cols-2 gap-px border-b border-slate-100 bg-slate-100 lg:grid-cols-4" data-testid="telemetry-totals">
            <Stat label={`p95 latency · ${RANGES[range].label}`} old={formatMs(d.totals.old.p95)} now={formatMs(d.totals.new.p95)} cmp={compare(d.totals.new.p95, d.totals.old.p95, "lower", 1.2)} />
            <Stat label={`Error rate · ${RANGES[range].label}`} old={formatPct(d.totals.old.errorRate)} now={formatPct(d.totals.new.errorRate)} cmp={compare(d.totals.new.errorRate, d.totals.old.errorRate, "lower", 1.5)} />
            <Stat label={`Success rate · ${RANGES[range].label}`} old={formatPct(d.totals.old.successRate)} now={formatPct(d.totals.new.successRate)} cmp={compare(d.totals.new.successRate, d.totals.old.successRate, "higher", 1.02)} />
            <Stat label={`Requests · ${RANGES[range].label}`} old={formatCount(d.totals.old.n)} now={formatCount(d.totals.new.n)} />
          </dl>
          <div className="grid gap-4 p-5 lg:grid-cols-2">
            <MetricChart title="Latency p50 / p95" testId="chart-latency" {...chart} format={formatMs} threshold={limit("latency")}
              lines={[
                { key: "p50_old", name: "old p50", color: COLORS.oldSoft, dashed: true },
                { key: "p95_old", name: "old p95", color: COLORS.old },
                { key: "p50_new", name: "new p50", color: COLORS.newSoft, dashed: true },
                { key: "p95_new", name: "new p95", color: COLORS.new },
              ]} />
            <MetricChart title="Error rate" testId="chart-error" {...chart} rate threshold={limit("error")} format={(v) => formatPct(v, v > 0 && v < 0.1 ? 1 : 0)} lines={pair("error", "")} />
            <MetricChart title="Success rate" testId="chart-success" {...chart} rate threshold={limit("success")} format={(v) => formatPct(v, 0)} lines={pair("success", "")} />
            <MetricChart title={`Volume (requests per ${bucketWords(d.resolution)})`} testId="chart-volume" {...chart} integer format={formatCount} lines={pair("volume", "")} />
            {custom.map((m) => (
              <MetricChart key={m} title={`${m} (mean)`} testId={`chart-custom-${m}`} {...chart} format={(v) => v.toPrecision(3)} lines={pair(m, "")} />
            ))}
          </div>
          {d.customMetrics.length ? (
            <div className="flex flex-wrap items-center gap-2 px-5 pb-4 text-sm">
              <span className="text-slate-500">Custom metrics:</span>
              {d.customMetrics.map((m) => {
                const on = custom.includes(m);
                return (
                  <button key={m} type="button" aria-pressed={on} disabled={!on && custom.length >= 5}
                    onClick={() => setCustom((c) => (on ? c.filter((x) => x !== m) : [...c, m]))}
                    className={cn("rounded-full px-2.5 py-0.5 font-mono text-xs ring-1", on ? "bg-brand-50 text-brand-700 ring-brand-100" : "text-slate-600 ring-slate-300 hover:bg-slate-50")}>
                    {on ? "✓ " : "+ "}{m}
                  </button>
                );
              })}
            </div>
          ) : null}
        </>
      ) : null}
      <FeedbackSection target={target} range={range} />
    </Card>
  );
}

interface Comparison {
  /** the arrow: which way new moved from old */
  dir: "up" | "down" | "same";
  /** coloured by better or worse, not by direction */
  verdict: "better" | "worse" | "similar";
}

/**
 * New against old for a tile. `good` says which direction is better (latency and
 * errors: lower; success: higher); `tolerance` is the ratio beyond which a
 * difference counts as worse (or, inverted, better).
 */
function compare(now: number | null, old: number | null, good: "lower" | "higher", tolerance: number): Comparison | undefined {
  if (now == null || old == null) return undefined;
  const dir = now > old ? "up" : now < old ? "down" : "same";
  const [bad, fine] = good === "lower" ? [now, old] : [old, now];
  const r = fine > 0 ? bad / fine : bad > 0 ? Infinity : 1;
  const verdict = r > tolerance ? "worse" : r < 1 / tolerance ? "better" : "similar";
  return { dir, verdict };
}

function bucketWords(seconds: number) {
  return seconds === 60 ? "minute" : seconds === 600 ? "10 minutes" : "hour";
}

function Stat({ label, old, now, cmp }: { label: string; old: string; now: string; cmp?: Comparison }) {
  const arrow = cmp && cmp.dir !== "same" ? (cmp.dir === "up" ? "▲" : "▼") : "";
  const tone = cmp?.verdict === "worse" ? "text-rose-700" : cmp?.verdict === "better" ? "text-emerald-700" : "text-brand-700";
  return (
    <div className="bg-white px-5 py-3">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="mt-1 flex flex-wrap items-baseline gap-x-3 text-sm">
        <span className="text-slate-600">old <span className="font-semibold text-slate-800">{old}</span></span>
        <span className={tone} data-verdict={cmp?.verdict}>
          new <span className="font-semibold">{now}</span>
          {arrow ? <span aria-hidden> {arrow}</span> : null}
          {cmp && cmp.verdict !== "similar" ? <span className="sr-only"> ({cmp.verdict} than old)</span> : null}
        </span>
      </dd>
    </div>
  );
}

function LiveDot({ fetching, updatedAt, failed }: { fetching: boolean; updatedAt: number; failed: boolean }) {
  const title = failed ? "Updates are failing; retrying" : updatedAt ? `Live: refreshed every ${LIVE_MS / 1000} s` : "Loading";
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-slate-500" title={title} data-testid="live-indicator">
      <span className={cn("h-2 w-2 rounded-full", failed ? "bg-rose-500" : fetching ? "bg-brand-500 animate-pulse" : "bg-emerald-500")} />
      {failed ? "retrying" : "live"}
    </span>
  );
}

function Skeleton() {
  return (
    <div className="grid gap-4 p-5 lg:grid-cols-2" aria-busy="true" aria-label="Loading telemetry">
      {[0, 1, 2, 3].map((i) => <div key={i} className="h-60 animate-pulse rounded-lg bg-slate-100" />)}
    </div>
  );
}
