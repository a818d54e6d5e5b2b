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
