"use client";

import { legendText, TOOLTIP_ITEM, TOOLTIP_STYLE } from "@/components/charts/format";
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

const COLORS = ["#cbd5e1", "#93c5fd", "#60a5fa", "#3b6cf6", "#1f44b5", "#172554", "#0f172a"];

/** Workspaces per stage over time, stacked: how far the rollout has come. */
export function StageAreaChart({ data, stages }: { data: { day: string; counts: Record<string, number> }[]; stages: { position: number; name: string }[] }) {
  const rows = data.map((d) => ({ day: d.day === "now" ? "now" : d.day.slice(5), ...Object.fromEntries(stages.map((s) => [`s${s.position}`, d.counts[`s${s.position}`] ?? 0])) }));
  if (rows.length === 0) return <p className="py-10 text-center text-sm text-slate-500">No rollout history yet.</p>;
  return (
    <div className="h-64 w-full" role="img" aria-label="Workspaces per stage over the last 30 days, up to now">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: -16 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="day" tick={{ fontSize: 11, fill: "#64748b" }} interval="preserveStartEnd" minTickGap={24} />
          <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: "#64748b" }} />
          <Tooltip contentStyle={TOOLTIP_STYLE} itemStyle={TOOLTIP_ITEM} />
          <Legend wrapperStyle={{ fontSize: 12 }} formatter={legendText} />
          {stages.map((s) => (
            <Area
              key={s.position}
              type="stepAfter"
              dataKey={`s${s.position}`}
              name={`${s.position} · ${s.name}`}
              stackId="1"
              stroke={COLORS[s.position % COLORS.length]}
              fill={COLORS[s.position % COLORS.length]}
              fillOpacity={0.85}
              isAnimationActive={false}
            />
          ))}
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
