// The fixed log-scale histogram of every rollup row, mirrored from the SQL in
// supabase/migrations/20261122002000_telemetry.sql (app_private.hist_*): bucket 0
// holds values below LOW, bucket i (1..BUCKETS) holds [LOW·γ^(i-1), LOW·γ^i), the
// last one everything above. Rows store cumulative counts. Kept in TypeScript for
// unit tests of the math and to check the SQL against it.
export const LOW = 0.01;
export const GAMMA = 1.05;
export const BUCKETS = 425;
/** Array length: underflow + BUCKETS + overflow. */
export const LENGTH = BUCKETS + 2;

export function bucketIndex(v: number): number {
  if (!(v >= LOW)) return 0;
  return Math.min(BUCKETS + 1, Math.floor(Math.log(v / LOW) / Math.log(GAMMA)) + 1);
}

/** Cumulative histogram: element k = number of values in buckets 0..k. */
export function cumulative(values: readonly number[]): number[] {
  const counts = new Array<number>(LENGTH).fill(0);
  for (const v of values) counts[bucketIndex(v)]++;
  for (let k = 1; k < LENGTH; k++) counts[k] += counts[k - 1];
  return counts;
}

export function merge(a: readonly number[], b: readonly number[]): number[] {
  return a.map((x, i) => x + b[i]);
}

/** Number of elements ≤ x in a sorted array (what SQL width_bucket returns). */
function countAtMost(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Estimated q-quantile (0 < q ≤ 1) from a cumulative histogram: the bucket holding
 * rank ceil(q·n), interpolated in log space, clamped to the exact [min, max].
 */
export function quantile(h: readonly number[], q: number, min: number, max: number): number | null {
  const total = h[LENGTH - 1];
  if (!total) return null;
  const t = Math.max(1, Math.ceil(q * total));
  const k = countAtMost(h, t - 1);
  if (k === 0) return min;
  if (k >= BUCKETS + 1) return max;
  const below = h[k - 1];
  const inside = h[k] - below;
  const est = LOW * GAMMA ** (k - 1 + (t - 0.5 - below) / inside);
  return Math.max(min, Math.min(max, est));
}

/** The stored form: {lo, c(lo), …, c(hi)}, trimmed to the buckets in use (see the SQL). */
export function trim(h: readonly number[]): number[] {
  const n = h[LENGTH - 1];
  if (!n) return [];
  let lo = 0;
  while (h[lo] === 0) lo++;
  let hi = LENGTH - 1;
  while (hi > lo && h[hi - 1] === n) hi--;
  return [lo, ...h.slice(lo, hi + 1)];
}

/** Dense cumulative histogram from the stored form. */
export function untrim(t: readonly number[]): number[] {
  const out = new Array<number>(LENGTH).fill(0);
  if (!t.length) return out;
  const lo = t[0];
  const hi = lo + t.length - 2;
  const n = t[t.length - 1];
  for (let k = lo; k < LENGTH; k++) out[k] = k <= hi ? t[k - lo + 1] : n;
  return out;
}

/** Stored (trimmed cumulative) form from bucket indexes sorted ascending. */
export function trimmedFromSorted(idx: readonly number[]): number[] {
  const lo = idx[0];
  const hi = idx[idx.length - 1];
  const out = new Array<number>(hi - lo + 2);
  out[0] = lo;
  let j = 0;
  for (let k = lo; k <= hi; k++) {
    while (j < idx.length && idx[j] <= k) j++;
    out[k - lo + 1] = j;
  }
  return out;
}
