// Re-bucketing OTLP histograms into the rollups' log-scale histogram
// (lib/telemetry/histogram.ts: bucket 0 below 0.01, then γ = 1.05 per bucket).
// Each source bucket's count is spread over the rollup buckets it overlaps:
// linearly for explicit-bucket histograms (the usual reading of an explicit bucket,
// as Prometheus' histogram_quantile does), log-uniformly for exponential ones
// (their buckets are log-scale themselves). Counts are accumulated as fractions
// and the cumulative counts rounded, so the total stays exact and the result is a
// valid cumulative histogram. Percentiles then carry the rollup's own error
// (≤ 2.5 %) plus whatever the sender's buckets hide: explicit bounds that are
// wider than 5 % apart, or exponential scales below 4, are coarser than ours.
import { bucketIndex, GAMMA, LENGTH, LOW, trim } from "@/lib/telemetry/histogram";

/** A source bucket: `count` values in [lo, hi] (lo = hi: all at that value). */
export interface SourceBucket {
  lo: number;
  hi: number;
  count: number;
}

/** Lower edge of rollup bucket k (1..BUCKETS+1); bucket 0 has none. */
const edge = (k: number) => LOW * GAMMA ** (k - 1);

function spread(mass: Float64Array, b: SourceBucket, log: boolean) {
  if (b.count <= 0) return;
  const lo = Math.min(b.lo, b.hi);
  const hi = Math.max(b.lo, b.hi);
  const first = bucketIndex(lo);
  const last = bucketIndex(hi);
  if (first === last || !(hi > lo)) {
    mass[first] += b.count;
    return;
  }
  // Width of [lo, hi] in the measure used, and of each overlapped piece.
  const measure = (a: number, z: number) => (log ? Math.log(z / a) : z - a);
  if (log && !(lo > 0)) {
    // log-uniform needs a positive lower bound: everything below LOW is bucket 0 anyway
    mass[0] += b.count;
    return;
  }
  const total = measure(lo, hi);
  for (let k = first; k <= last; k++) {
    const a = k === first ? lo : edge(k);
    const z = k === last ? hi : edge(k + 1);
    const piece = measure(Math.max(a, lo), Math.min(z, hi));
    if (piece > 0) mass[k] += (b.count * piece) / total;
  }
}

/** The stored (trimmed cumulative) rollup histogram of the buckets; [] when empty. */
export function toRollupHistogram(buckets: readonly SourceBucket[], log: boolean): number[] {
  const mass = new Float64Array(LENGTH);
  for (const b of buckets) spread(mass, b, log);
  const cum = new Array<number>(LENGTH);
  let acc = 0;
  for (let k = 0; k < LENGTH; k++) {
    acc += mass[k];
    cum[k] = Math.round(acc);
  }
  return trim(cum);
}

export interface Bounded {
  buckets: SourceBucket[];
  /** Bounds of the occupied buckets: the values' min and max when the point does not say. */
  min: number;
  max: number;
  /** Estimated sum (bucket midpoints) when the point does not carry one. */
  sum: number;
}

function finish(buckets: SourceBucket[], pointMin?: number, pointMax?: number): Bounded {
  const used = buckets.filter((b) => b.count > 0);
  let min = used.length ? Math.min(...used.map((b) => b.lo)) : 0;
  let max = used.length ? Math.max(...used.map((b) => b.hi)) : 0;
  if (pointMin !== undefined && Number.isFinite(pointMin)) min = pointMin;
  if (pointMax !== undefined && Number.isFinite(pointMax)) max = pointMax;
  // Tighten the open or wide edge buckets to the point's own min and max.
  const clamped = used.map((b) => ({ count: b.count, lo: Math.min(Math.max(b.lo, min), max), hi: Math.max(Math.min(b.hi, max), min) }));
  const sum = clamped.reduce((s, b) => s + b.count * (b.lo + b.hi) / 2, 0);
  return { buckets: clamped, min, max, sum };
}

/**
 * Explicit-bucket histogram: bucket i holds (bounds[i-1], bounds[i]]; the first is
 * open below (taken from 0, or from the point's min), the last open above (taken
 * as its lower bound, or up to the point's max).
 */
export function explicitBuckets(bounds: readonly number[], counts: readonly number[], min?: number, max?: number): Bounded {
  const out: SourceBucket[] = [];
  for (let i = 0; i < counts.length; i++) {
    const hi = i < bounds.length ? bounds[i] : max !== undefined && max > bounds[bounds.length - 1] ? max : bounds[bounds.length - 1];
    const lo = i === 0 ? (min !== undefined && min < hi ? min : Math.min(0, hi)) : bounds[i - 1];
    out.push({ lo: bounds.length ? lo : (min ?? 0), hi: bounds.length ? hi : (max ?? 0), count: counts[i] });
  }
  return finish(out, min, max);
}

export interface ExpBuckets {
  offset: number;
  counts: readonly number[];
}

/**
 * Exponential histogram at `scale`: positive bucket index i holds
 * (base^i, base^(i+1)] with base = 2^(2^-scale); negative buckets mirror them;
 * the zero bucket holds |v| ≤ zeroThreshold; `factor` converts bounds to our
 * unit (zeroThreshold, min and max come already converted). Negative and zero values fall below
 * 0.01, into the rollups' bucket 0.
 */
export function exponentialBuckets(
  scale: number, zeroCount: number, zeroThreshold: number, positive: ExpBuckets, negative: ExpBuckets, min?: number, max?: number, factor = 1,
): Bounded {
  const out: SourceBucket[] = [];
  const bound = (i: number) => factor * 2 ** (i * 2 ** -scale);
  for (let j = 0; j < negative.counts.length; j++) {
    const i = negative.offset + j;
    out.push({ lo: -bound(i + 1), hi: -bound(i), count: negative.counts[j] });
  }
  if (zeroCount > 0) out.push({ lo: -zeroThreshold, hi: zeroThreshold, count: zeroCount });
  for (let j = 0; j < positive.counts.length; j++) {
    const i = positive.offset + j;
    out.push({ lo: bound(i), hi: bound(i + 1), count: positive.counts[j] });
  }
  return finish(out, min, max);
}

/** Re-indexes exponential buckets to a lower scale (each step halves the resolution), as the SDKs downscale. */
export function downscale(b: ExpBuckets, by: number): ExpBuckets {
  if (by === 0 || b.counts.length === 0) return b;
  const offset = b.offset >> by;
  const last = (b.offset + b.counts.length - 1) >> by;
  const counts = new Array<number>(last - offset + 1).fill(0);
  for (let j = 0; j < b.counts.length; j++) counts[((b.offset + j) >> by) - offset] += b.counts[j];
  return { offset, counts };
}
