"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { SeriesPoint, StageMarker } from "@/lib/telemetry/chart-data";
import type { RangeKey } from "@/lib/telemetry/ranges";
import { formatFull, MARKER_COLORS, tickFormatter, ticksFor } from "./format";

export interface LineDef {
  key: string;
  name: string;
  color: string;
  dashed?: boolean;
}

/** One old-vs-new chart; stage transitions are vertical markers so a jump lines up with its cause. */
export function MetricChart(props: {
  title: string;
  points: SeriesPoint[];
  lines: LineDef[];
  markers: StageMarker[];
  range: RangeKey;
  from: number;
  to: number;
  format: (v: number) => string;
  /** Rates: keep 0 at the bottom and a readable top even when everything is 0. */
  rate?: boolean;
  testId?: string;
  /** A guardrail's limit drawn across the chart, and the moment it was breached. */
  threshold?: { value: number; label: string; at?: number };
}) {
  const { points, lines, markers, range, from, to, format } = props;
  const hasData = points.some((p) => lines.some((l) => p[l.key] != null));
  return (
    <figure className="min-w-0 rounded-lg ring-1 ring-slate-200" data-testid={props.testId}>
      <figcaption className="flex items-center justify-between gap-2 px-4 pt-3 text-sm font-medium text-slate-800">
        {props.title}
        <span className="flex flex-wrap justify-end gap-x-3 gap-y-1 text-xs font-normal text-slate-500">
          {lines.map((l) => (
            <span key={l.key} className="inline-flex items-center gap-1">
              <svg width="14" height="4" aria-hidden>
                <line x1="0" y1="2" x2="14" y2="2" stroke={l.color} strokeWidth="2" strokeDasharray={l.dashed ? "3 2" : undefined} />
              </svg>
              {l.name}
            </span>
          ))}
        </span>
      </figcaption>
      <div className="h-52 px-1 pb-2">
        {hasData ? (
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={points} margin={{ top: 12, right: 16, bottom: 0, left: 4 }}>
              <CartesianGrid stroke="#f1f5f9" vertical={false} />
              <XAxis dataKey="t" type="number" scale="time" domain={[from, to]} ticks={ticksFor(range, from, to)} tickFormatter={tickFormatter(range)} tick={{ fontSize: 11, fill: "#64748b" }} minTickGap={40} />
              <YAxis tickFormatter={format} tick={{ fontSize: 11, fill: "#64748b" }} width={60}
                domain={props.rate ? [0, (max: number) => Math.min(1, Math.max(max * 1.15, 0.01))] : [0, "auto"]} />
              <Tooltip
                labelFormatter={(t) => formatFull(Number(t))}
                formatter={(v, name) => [typeof v === "number" ? format(v) : String(v), name]}
                contentStyle={{ fontSize: 12, borderRadius: 8 }}
              />
              {markers.map((m, i) => (
                <ReferenceLine
                  key={`${m.t}-${i}`}
                  x={m.t}
                  stroke={MARKER_COLORS[m.kind] ?? "#64748b"}
                  strokeDasharray="4 3"
                  ifOverflow="hidden"
                  label={markers.length <= 12 ? { value: `${m.from}→${m.to}`, position: "insideTopRight", fontSize: 10, fill: MARKER_COLORS[m.kind] ?? "#64748b" } : undefined}
                />
              ))}
              {props.threshold ? (
                <ReferenceLine y={props.threshold.value} stroke="#e11d48" strokeWidth={1.5} strokeDasharray="6 3" ifOverflow="extendDomain"
                  label={{ value: props.threshold.label, position: "insideTopLeft", fontSize: 11, fill: "#e11d48" }} />
              ) : null}
              {props.threshold?.at ? (
                <ReferenceLine x={props.threshold.at} stroke="#e11d48" strokeWidth={1.5} ifOverflow="hidden"
                  label={{ value: "breach", position: "insideBottomRight", fontSize: 10, fill: "#e11d48" }} />
              ) : null}
              {lines.map((l) => (
                <Line key={l.key} type="monotone" dataKey={l.key} name={l.name} stroke={l.color} strokeWidth={l.dashed ? 1.5 : 2}
                  strokeDasharray={l.dashed ? "4 3" : undefined} dot={points.length < 40} connectNulls isAnimationActive={false} />
              ))}
            </LineChart>
          </ResponsiveContainer>
        ) : (
          <p className="flex h-full items-center justify-center text-sm text-slate-400">No samples in this range</p>
        )}
      </div>
    </figure>
  );
}
