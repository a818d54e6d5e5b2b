"use client";

import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { SeriesPoint, StageMarker } from "@/lib/telemetry/chart-data";
import type { RangeKey } from "@/lib/telemetry/ranges";
import { formatFull, groupMarkers, markerText, tickFormatter, ticksFor, TOOLTIP_STYLE, type MarkerGroup } from "./format";

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
  /** Counts: whole-number ticks only. */
  integer?: boolean;
  /** the data's bucket width in seconds, for grouping stage markers */
  resolution?: number;
  testId?: string;
  /** A guardrail's limit drawn across the chart, and the moment it was breached. */
  threshold?: { value: number; label: string; at?: number };
}) {
  const { points, lines, markers, range, from, to, format } = props;
  const hasData = points.some((p) => lines.some((l) => p[l.key] != null));
  const groups = groupMarkers(markers, from, to, (props.resolution ?? 60) * 1000);
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
              <YAxis tickFormatter={format} allowDecimals={!props.integer} tick={{ fontSize: 11, fill: "#64748b" }} width={60}
                domain={props.rate ? [0, (max: number) => Math.min(1, Math.max(max * 1.15, 0.01))] : [0, "auto"]} />
              <Tooltip content={<ChartTooltip format={format} groups={groups} />} />
              {groups.map((g) => (
                <ReferenceLine
                  key={g.t}
                  x={g.t}
                  stroke={g.color}
                  strokeDasharray="4 3"
                  ifOverflow="hidden"
                  label={groups.length <= 12 ? { value: g.label, position: "insideTopRight", fontSize: 10, fill: g.color } : undefined}
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
          <p className="flex h-full items-center justify-center text-sm text-slate-500">No samples in this range</p>
        )}
      </div>
    </figure>
  );
}

interface TipProps {
  active?: boolean;
  label?: number | string;
  payload?: { name?: string; value?: unknown; color?: string; dataKey?: unknown }[];
  format: (v: number) => string;
  groups: MarkerGroup[];
}

/** Values at the hovered time in dark text, and the stage changes of that time bucket. */
function ChartTooltip({ active, label, payload, format, groups }: TipProps) {
  if (!active || label === undefined) return null;
  const t = Number(label);
  const near = groups.filter((g) => Math.abs(g.t - t) <= g.width / 2);
  return (
    <div style={TOOLTIP_STYLE} className="max-w-xs bg-white px-3 py-2 shadow-md">
      <p className="font-medium text-slate-900">{formatFull(t)}</p>
      <ul className="mt-1 space-y-0.5">
        {(payload ?? []).filter((p) => typeof p.value === "number").map((p) => (
          <li key={String(p.dataKey)} className="flex items-center gap-2 text-slate-800">
            <span className="h-2 w-2 rounded-full" style={{ background: p.color }} aria-hidden />
            <span>{p.name}</span>
            <span className="ml-auto font-semibold tabular-nums">{format(p.value as number)}</span>
          </li>
        ))}
      </ul>
      {near.flatMap((g) => g.items).length ? (
        <div className="mt-1.5 border-t border-slate-200 pt-1.5 text-xs text-slate-700">
          <p className="font-medium">Stage changes around this time</p>
          <ul>
            {near.flatMap((g) => g.items).slice(0, 6).map((m, i) => (
              <li key={i}>{m.workspace}: {markerText(m)} {m.reason ? <span className="text-slate-500">— {m.reason.slice(0, 60)}</span> : null}</li>
            ))}
            {near.flatMap((g) => g.items).length > 6 ? <li>and {near.flatMap((g) => g.items).length - 6} more</li> : null}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
