// Cumulative → delta. The last point of each cumulative series is kept in
// Postgres (app_private.otlp_series, read and locked by otlp_prepare in the
// request's transaction) and each new point becomes the difference from it:
// - the first point of a series sets the baseline; it also counts in full when
//   its stream started (startTimeUnixNano) at most SERIES_TTL_MS before it — all
//   of that stream is new to us — and counts nothing otherwise (a process running
//   since before we saw it: its total would land as one spike);
// - a later start time, or a value that went down (a count, a bucket, a counter),
//   is a reset: the point counts in full, from its new start;
// - a point no newer than the stored one (a retried request, a late duplicate) or
//   from an older stream counts nothing: retries never count twice.
import { downscale, type ExpBuckets } from "./buckets";
import { SERIES_TTL_MS } from "./config";
import type { Candidate, PointData } from "./mapping";

/** The stored last point: its start and time (ns, decimal strings) and its data. */
export interface SeriesState {
  s: string;
  t: string;
  d: PointData;
}

export interface Step {
  /** What the point adds (null: nothing). */
  emit: PointData | null;
  /** The series' new state (null: leave it as it was). */
  state: SeriesState | null;
}

const TTL_NS = BigInt(SERIES_TTL_MS) * 1_000_000n;

function subtractExp(cur: Extract<PointData, { kind: "exponential" }>, prev: Extract<PointData, { kind: "exponential" }>): PointData | null {
  const scale = Math.min(cur.scale, prev.scale);
  const side = (a: ExpBuckets, b: ExpBuckets): ExpBuckets | null => {
    const x = downscale(a, cur.scale - scale);
    const y = downscale(b, prev.scale - scale);
    if (!x.counts.length) return y.counts.every((c) => c === 0) ? x : null;
    const counts = x.counts.slice();
    for (let j = 0; j < y.counts.length; j++) {
      if (!y.counts[j]) continue;
      const k = y.offset + j - x.offset;
      if (k < 0 || k >= counts.length) return null;
      counts[k] -= y.counts[j];
      if (counts[k] < 0) return null;
    }
    return { offset: x.offset, counts };
  };
  const positive = side(cur.positive, prev.positive);
  const negative = side(cur.negative, prev.negative);
  const zeroCount = cur.zeroCount - prev.zeroCount;
  if (!positive || !negative || zeroCount < 0) return null;
  return {
    kind: "exponential", count: cur.count - prev.count, scale, zeroCount, zeroThreshold: cur.zeroThreshold, positive, negative,
    sum: cur.sum !== undefined && prev.sum !== undefined ? cur.sum - prev.sum : undefined,
  };
}

/** cur − prev, or null when that is not a valid delta (something went down: a reset). */
export function subtract(cur: PointData, prev: PointData): PointData | null {
  if (cur.kind === "value" && prev.kind === "value") return cur.value >= prev.value ? { kind: "value", value: cur.value - prev.value } : null;
  if (cur.kind === "explicit" && prev.kind === "explicit") {
    if (cur.bounds.length !== prev.bounds.length || cur.bounds.some((b, i) => b !== prev.bounds[i])) return null;
    const counts = cur.counts.map((c, i) => c - prev.counts[i]);
    if (counts.some((c) => c < 0)) return null;
    return {
      kind: "explicit", bounds: cur.bounds, counts, count: cur.count - prev.count,
      sum: cur.sum !== undefined && prev.sum !== undefined ? cur.sum - prev.sum : undefined,
    };
  }
  if (cur.kind === "exponential" && prev.kind === "exponential") return subtractExp(cur, prev);
  return null;
}

export function step(c: Pick<Candidate, "startNs" | "timeNs" | "data">, prev: SeriesState | undefined): Step {
  const state: SeriesState = { s: c.startNs, t: c.timeNs, d: c.data };
  const start = BigInt(c.startNs);
  const time = BigInt(c.timeNs);
  const freshStart = start > 0n && start <= time && time - start <= TTL_NS;
  if (!prev) return { emit: freshStart ? c.data : null, state };
  const prevStart = BigInt(prev.s);
  if (start > 0n && prevStart > 0n && start < prevStart) return { emit: null, state: null };
  if (start > 0n && start !== prevStart) return { emit: c.data, state };
  if (time <= BigInt(prev.t)) return { emit: null, state: null };
  return { emit: subtract(c.data, prev.d) ?? c.data, state };
}
