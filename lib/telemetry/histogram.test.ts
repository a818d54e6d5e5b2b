import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BUCKETS, bucketIndex, cumulative, GAMMA, LENGTH, LOW, merge, quantile, trim, trimmedFromSorted, untrim } from "./histogram";

function exact(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil(q * s.length) - 1)];
}

describe("bucketIndex", () => {
  it("puts zero, negatives and tiny values in the underflow bucket", () => {
    expect(bucketIndex(0)).toBe(0);
    expect(bucketIndex(-5)).toBe(0);
    expect(bucketIndex(LOW / 2)).toBe(0);
  });
  it("starts bucket 1 at LOW and grows by GAMMA", () => {
    expect(bucketIndex(LOW)).toBe(1);
    expect(bucketIndex(LOW * GAMMA * 1.0001)).toBe(2);
    expect(bucketIndex(1e12)).toBe(BUCKETS + 1);
  });
  it("is monotonic", () => {
    fc.assert(fc.property(fc.double({ min: 0, max: 1e8, noNaN: true }), fc.double({ min: 0, max: 1e8, noNaN: true }), (a, b) => {
      const [x, y] = a <= b ? [a, b] : [b, a];
      return bucketIndex(x) <= bucketIndex(y);
    }));
  });
});

describe("cumulative histograms", () => {
  it("end with the sample count and never decrease", () => {
    const h = cumulative([1, 2, 3, 100, 0, -1]);
    expect(h).toHaveLength(LENGTH);
    expect(h[LENGTH - 1]).toBe(6);
    for (let i = 1; i < LENGTH; i++) expect(h[i]).toBeGreaterThanOrEqual(h[i - 1]);
  });
  it("merge element-wise like the union of their samples", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0, max: 1e5, noNaN: true })), fc.array(fc.double({ min: 0, max: 1e5, noNaN: true })), (a, b) => {
      expect(merge(cumulative(a), cumulative(b))).toEqual(cumulative([...a, ...b]));
    }));
  });
});

describe("quantile", () => {
  it("is null without samples", () => {
    expect(quantile(cumulative([]), 0.5, 0, 0)).toBeNull();
  });
  it("returns the value itself for a single sample", () => {
    expect(quantile(cumulative([42]), 0.95, 42, 42)).toBe(42);
  });
  it("estimates p50/p95/p99 of a log-normal latency within 3 %", () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const values = Array.from({ length: 20_000 }, () => Math.exp(5 + 0.6 * Math.sqrt(-2 * Math.log(rand())) * Math.cos(2 * Math.PI * rand())));
    const h = cumulative(values);
    const min = Math.min(...values);
    const max = Math.max(...values);
    for (const q of [0.5, 0.95, 0.99]) {
      const est = quantile(h, q, min, max)!;
      expect(Math.abs(est - exact(values, q)) / exact(values, q), `q=${q}`).toBeLessThan(0.03);
    }
  });
  it("stays within the bucket's relative width for any sample set", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: 0.02, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom(0.5, 0.95, 0.99), (values, q) => {
      const est = quantile(cumulative(values), q, Math.min(...values), Math.max(...values))!;
      const truth = exact(values, q);
      expect(Math.abs(est - truth) / truth).toBeLessThanOrEqual(GAMMA - 1 + 1e-9);
    }));
  });
});

describe("trimmed storage form", () => {
  it("round-trips and keeps only the buckets in use", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1, max: 1e8, noNaN: true }), { minLength: 1 }), (values) => {
      const dense = cumulative(values);
      const t = trim(dense);
      expect(untrim(t)).toEqual(dense);
      expect(t.length - 1).toBeLessThanOrEqual(bucketIndex(Math.max(...values)) - bucketIndex(Math.min(...values)) + 1);
    }));
    expect(trim(cumulative([5]))).toEqual([bucketIndex(5), 1]);
  });
});

describe("trimmedFromSorted", () => {
  it("equals trim(cumulative(values))", () => {
    fc.assert(fc.property(fc.array(fc.double({ min: -1, max: 1e8, noNaN: true }), { minLength: 1 }), (values) => {
      const idx = values.map(bucketIndex).sort((a, b) => a - b);
      expect(trimmedFromSorted(idx)).toEqual(trim(cumulative(values)));
    }));
  });
});
