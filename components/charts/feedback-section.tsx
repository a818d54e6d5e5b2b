"use client";

import { useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { Badge } from "@/components/ui/badge";
import { Select } from "@/components/ui/input";
import { RelativeTime } from "@/components/ui/time";
import type { RangeKey } from "@/lib/telemetry/ranges";
import { COLORS, formatFull, legendText, tickFormatter, ticksFor, TOOLTIP_ITEM, TOOLTIP_STYLE } from "./format";
import { useFeedback, type FeedbackFilters, type Target } from "./use-telemetry";

const KIND_TONE = { rating: "blue", comment: "neutral", complaint: "amber", bug: "red" } as const;
const STAGE_COLORS = ["#94a3b8", "#93b0f8", "#3b6cf6", "#1f44b5", "#0f172a", "#7c3aed"];

/** Feedback beside the charts: ratings, negative feedback over time by variant or stage, latest comments. */
export function FeedbackSection({ target, range }: { target: Target; range: RangeKey }) {
  const [filters, setFilters] = useState<FeedbackFilters>({});
  const [split, setSplit] = useState<"variant" | "stage">("variant");
  const q = useFeedback(target, range, filters);
  const d = q.data;

  const ratings = [1, 2, 3, 4, 5].map((rating) => {
    const row: Record<string, number> = { rating };
    for (const r of d?.ratings ?? []) if (r.rating === rating) row[r.variant] = r.n;
    return row;
  });
  const groups = split === "variant" ? ["old", "new", "none"] : (d?.stages ?? []).map(String).concat("none");
  const negMap = new Map<number, Record<string, number>>();
  for (const n of d?.negative ?? []) {
    const row = negMap.get(n.t) ?? { t: n.t };
    const key = split === "variant" ? n.variant : n.stage === null ? "none" : String(n.stage);
    row[key] = (row[key] ?? 0) + n.n;
    negMap.set(n.t, row);
  }
  const negative = [...negMap.values()];
  const color = (g: string, i: number) => (split === "variant" ? COLORS[g as keyof typeof COLORS] ?? COLORS.none : g === "none" ? COLORS.none : STAGE_COLORS[i % STAGE_COLORS.length]);
  const label = (g: string) => (split === "variant" ? (g === "none" ? "unattributed" : g) : g === "none" ? "no stage" : `stage ${g}`);
  const set = (patch: Partial<FeedbackFilters>) => setFilters((f) => ({ ...f, ...patch }));

  return (
    <section className="border-t border-slate-100 px-5 py-4" aria-label="Feedback" data-testid="feedback-section">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h3 className="text-sm font-semibold text-slate-900">
          Feedback {d ? <span className="font-normal text-slate-500">({d.total} in range)</span> : null}
        </h3>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          <Select aria-label="Filter by variant" className="!w-36" value={filters.variant ?? ""} onChange={(e) => set({ variant: (e.target.value || undefined) as FeedbackFilters["variant"] })}>
            <option value="">All variants</option>
            <option value="old">Old</option>
            <option value="new">New</option>
          </Select>
          <Select aria-label="Filter by kind" className="!w-36" value={filters.kind ?? ""} onChange={(e) => set({ kind: (e.target.value || undefined) as FeedbackFilters["kind"] })}>
            <option value="">All kinds</option>
            <option value="rating">Ratings</option>
            <option value="complaint">Complaints</option>
            <option value="bug">Bugs</option>
            <option value="comment">Comments</option>
          </Select>
          <Select aria-label="Filter by stage" className="!w-36" value={filters.stage ?? ""} onChange={(e) => set({ stage: e.target.value === "" ? undefined : Number(e.target.value) })}>
            <option value="">All stages</option>
            {(d?.stages ?? []).map((s) => <option key={s} value={s}>Stage {s}</option>)}
          </Select>
        </div>
      </div>
      {q.isError ? <p className="mt-3 text-sm text-rose-700">Feedback could not be loaded: {q.error.message}. It retries by itself.</p> : null}
      {q.isPending ? <div className="mt-3 h-40 animate-pulse rounded-lg bg-slate-100" /> : null}
      {d && d.total === 0 ? (
        <p className="mt-3 text-sm text-slate-500">
          No feedback in this range{filters.variant || filters.kind || filters.stage !== undefined ? " for these filters" : ""}. Services send it to <code className="rounded bg-slate-100 px-1">POST /api/v1/feedback</code> (ratings, complaints, comments, bugs).
        </p>
      ) : null}
      {d && d.total > 0 ? (
        <div className="mt-3 grid gap-4 lg:grid-cols-3">
          <figure className="rounded-lg ring-1 ring-slate-200" data-testid="rating-distribution">
            <figcaption className="px-4 pt-3 text-sm font-medium text-slate-800">Ratings</figcaption>
            <div className="h-52 px-1 pb-2">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={ratings} margin={{ top: 8, right: 8, bottom: 0, left: -16 }}>
                  <CartesianGrid stroke="#f1f5f9" vertical={false} />
                  <XAxis dataKey="rating" tickFormatter={(r) => `${r}★`} tick={{ fontSize: 11, fill: "#64748b" }} />
                  <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#64748b" }} />
                  <Tooltip contentStyle={TOOLTIP_STYLE} itemStyle={TOOLTIP_ITEM} labelFormatter={(r) => `${r} stars`} />
                  <Legend wrapperStyle={{ fontSize: 11 }} iconSize={8} formatter={legendText} />
                  <Bar dataKey="old" name="old" stackId="r" fill={COLORS.old} isAnimationActive={false} />
                  <Bar dataKey="new" name="new" stackId="r" fill={COLORS.new} isAnimationActive={false} />
                  <Bar dataKey="none" name="unattributed" stackId="r" fill={COLORS.none} isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </figure>
          <figure className="rounded-lg ring-1 ring-slate-200 lg:col-span-2" data-testid="negative-feedback">
            <figcaption className="flex items-center justify-between px-4 pt-3 text-sm font-medium text-slate-800">
              Complaints, bugs and low ratings
              <span className="inline-flex rounded-md text-xs ring-1 ring-slate-200">
                {(["variant", "stage"] as const).map((s) => (
                  <button key={s} type="button" onClick={() => setSplit(s)} aria-pressed={split === s}
                    className={`px-2 py-1 first:rounded-l-md last:rounded-r-md ${split === s ? "bg-slate-900 text-white" : "text-slate-600 hover:bg-slate-50"}`}>
                    by {s}
                  </button>
                ))}
              </span>
            </figcaption>
            <div className="h-52 px-1 pb-2">
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={negative} margin={{ top: 8, right: 16, bottom: 0, left: -16 }}>
                  <CartesianGrid stroke="#f1f5f9" vertical={false} />
                  <XAxis dataKey="t" type="number" scale="time" domain={[d.from, d.to]} ticks={ticksFor(range, d.from, d.to)} tickFormatter={tickFormatter(range)} tick={{ fontSize: 11, fill: "#64748b" }} minTickGap={40} />
                  <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#64748b" }} />
                  <Tooltip contentStyle={TOOLTIP_STYLE} itemStyle={TOOLTIP_ITEM} labelFormatter={(t) => formatFull(Number(t))} />
                  <Legend wrapperStyle={{ fontSize: 11 }} iconSize={8} formatter={legendText} />
                  {groups.map((g, i) => <Bar key={g} dataKey={g} name={label(g)} stackId="n" fill={color(g, i)} isAnimationActive={false} maxBarSize={18} />)}
                </BarChart>
              </ResponsiveContainer>
            </div>
          </figure>
          <div className="lg:col-span-3">
            <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Latest comments</h4>
            <ul className="mt-2 divide-y divide-slate-100 rounded-lg ring-1 ring-slate-200" data-testid="latest-comments">
              {d.latest.length === 0 ? <li className="px-4 py-3 text-sm text-slate-500">No comments with text in this range.</li> : null}
              {d.latest.slice(0, 8).map((c) => (
                <li key={c.id} className="px-4 py-3 text-sm">
                  <div className="flex flex-wrap items-center gap-2 text-xs text-slate-500">
                    <Badge tone={KIND_TONE[c.kind as keyof typeof KIND_TONE] ?? "neutral"}>{c.kind}{c.rating ? ` ${c.rating}★` : ""}</Badge>
                    {c.variant ? <Badge tone={c.variant === "new" ? "blue" : "neutral"}>{c.variant}</Badge> : null}
                    {c.stage !== null ? <span>stage {c.stage}</span> : null}
                    {!target.workspaceSlug ? <span className="font-mono">{c.workspace}</span> : null}
                    <span>{c.source}{c.reporter ? ` · ${c.reporter}` : ""}</span>
                    <span className="ml-auto"><RelativeTime date={c.time} /></span>
                  </div>
                  <p className="mt-1 text-slate-800">{c.message}</p>
                  {c.context && Object.keys(c.context).length ? (
                    <dl className="mt-1 flex flex-wrap gap-1.5 text-xs">
                      {Object.entries(c.context).slice(0, 6).map(([k, v]) => (
                        <div key={k} className="rounded bg-slate-100 px-1.5 py-0.5 text-slate-600">
                          <dt className="inline font-medium">{k}:</dt> <dd className="inline font-mono">{typeof v === "string" ? v : JSON.stringify(v)}</dd>
                        </div>
                      ))}
                    </dl>
                  ) : null}
                </li>
              ))}
            </ul>
          </div>
        </div>
      ) : null}
    </section>
  );
}
