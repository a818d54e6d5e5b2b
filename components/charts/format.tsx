import type { RangeKey } from "@/lib/telemetry/ranges";

const time = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
const day = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", timeZone: "UTC" });
const full = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: "UTC" });

/** Axis tick for a range: clock time for short ranges, dates for long ones (UTC). */
export function tickFormatter(range: RangeKey) {
  return (t: number) => (range === "1h" || range === "24h" ? time.format(t) : day.format(t));
}

export const formatFull = (t: number) => `${full.format(t)} UTC`;

export function formatMs(v: number | null | undefined): string {
  if (v == null) return "–";
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
}

export function formatPct(v: number | null | undefined, digits = 2): string {
  return v == null ? "–" : `${(v * 100).toFixed(digits)}%`;
}

export function formatCount(v: number | null | undefined): string {
  if (v == null) return "–";
  return v >= 1_000_000 ? `${(v / 1_000_000).toFixed(1)} M` : v >= 10_000 ? `${(v / 1000).toFixed(1)} k` : String(Math.round(v));
}

export const COLORS = { old: "#94a3b8", new: "#2855e0", oldSoft: "#cbd5e1", newSoft: "#93b0f8", none: "#e2e8f0" } as const;

export const MARKER_COLORS: Record<string, string> = {
  advance: "#2855e0",
  override: "#7c3aed",
  rollback: "#e11d48",
  auto_rollback: "#e11d48",
  emergency_stop: "#be123c",
  pause: "#d97706",
  resume: "#059669",
};

const TICK_STEP: Record<RangeKey, number> = { "1h": 600_000, "24h": 4 * 3_600_000, "7d": 86_400_000, "30d": 5 * 86_400_000 };

/** Evenly spaced, round ticks (UTC) between from and to. */
export function ticksFor(range: RangeKey, from: number, to: number): number[] {
  const step = TICK_STEP[range];
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  return ticks;
}

/** Tooltips: dark text on white whatever the series colour (light grey "old" stays readable). */
export const TOOLTIP_STYLE = { fontSize: 12, borderRadius: 8, color: "#0f172a", border: "1px solid #cbd5e1" } as const;
export const TOOLTIP_ITEM = { color: "#0f172a", padding: 0 } as const;

export interface MarkerLike {
  t: number;
  kind: string;
  from: number;
  to: number;
  workspace: string;
  reason: string;
}

export interface MarkerGroup<M extends MarkerLike = MarkerLike> {
  /** start of the group's bucket */
  t: number;
  /** the bucket's width in ms */
  width: number;
  items: M[];
  /** short label: the move for one marker, the count for several */
  label: string;
  color: string;
}

const MARKER_SHORT: Record<string, string> = { pause: "paused", resume: "resumed", emergency_stop: "stop", enroll: "enrolled" };

/** One marker's words: "2→3" for a move, "paused" / "resumed" / "stop" when the stage did not change. */
export function markerText(m: MarkerLike): string {
  return m.from === m.to ? (MARKER_SHORT[m.kind] ?? m.kind.replace(/_/g, " ")) : `${m.from}→${m.to}`;
}

/**
 * Stage-change markers grouped per time bucket, so a 30-day chart carries at
 * most ~`maxGroups` lines: a bucket is the chart's resolution or wider.
 */
export function groupMarkers<M extends MarkerLike>(markers: M[], from: number, to: number, resolutionMs: number, maxGroups = 24): MarkerGroup<M>[] {
  const width = Math.max(resolutionMs, Math.ceil((to - from) / maxGroups / resolutionMs) * resolutionMs);
  const byBucket = new Map<number, M[]>();
  for (const m of markers) {
    const b = from + Math.floor((m.t - from) / width) * width;
    const list = byBucket.get(b) ?? [];
    list.push(m);
    byBucket.set(b, list);
  }
  return [...byBucket.entries()].sort((a, b) => a[0] - b[0]).map(([t, items]) => {
    const kinds = new Set(items.map((i) => i.kind));
    const kind = kinds.size === 1 ? items[0].kind : [...kinds].some((k) => k.includes("rollback") || k === "emergency_stop") ? "rollback" : "mixed";
    return {
      t: items.length === 1 ? items[0].t : t + width / 2,
      width,
      items,
      label: items.length === 1 ? markerText(items[0]) : `${items.length} changes`,
      color: MARKER_COLORS[kind] ?? "#64748b",
    };
  });
}

/** Legend labels in dark text (the swatch carries the colour; light series colours are not readable as text). */
export const legendText = (value: string) => <span style={{ color: "#334155" }}>{value}</span>;
