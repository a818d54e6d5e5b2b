// Chart ranges and the rollup tier each one reads (shared by server and client).
export const RANGES = {
  "1h": { ms: 3_600_000, resolution: 60, label: "1 hour", feedbackBin: 300 },
  "24h": { ms: 86_400_000, resolution: 600, label: "24 hours", feedbackBin: 3600 },
  "7d": { ms: 7 * 86_400_000, resolution: 3600, label: "7 days", feedbackBin: 6 * 3600 },
  "30d": { ms: 30 * 86_400_000, resolution: 3600, label: "30 days", feedbackBin: 86_400 },
} as const;
export type RangeKey = keyof typeof RANGES;
export const RANGE_KEYS = Object.keys(RANGES) as RangeKey[];

/** The metrics every chart shows; anything else a service sends is a custom metric. */
export const STANDARD_METRICS = ["latency_ms", "error", "success"] as const;
