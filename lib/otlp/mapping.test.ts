import { describe, expect, it } from "vitest";
import { quantile, untrim } from "@/lib/telemetry/histogram";
import { explicitBuckets, exponentialBuckets, downscale, toRollupHistogram } from "./buckets";
import { otlpConfig, parseNameMap } from "./config";
import { step, subtract } from "./cumulative";
import { extract, metricName } from "./mapping";
import { ExportRequest } from "./schema";

const cfg = otlpConfig();
const nowMs = Date.parse("2026-12-01T10:00:00Z");
const ns = (ms: number) => String(BigInt(ms) * 1_000_000n);
const kv = (o: Record<string, unknown>) => Object.entries(o).map(([key, v]) => ({ key, value: typeof v === "number" ? { intValue: String(v) } : { stringValue: v } }));
const resource = { "rollout.workspace": "acme", "rollout.migration": "lead-centric", "rollout.variant": "new" };
const req = (metrics: unknown[], res: Record<string, unknown> = resource) =>
  ExportRequest.parse({ resourceMetrics: [{ resource: { attributes: kv(res) }, scopeMetrics: [{ metrics }] }] });

describe("metric names", () => {
  it("keeps names that fit ours, maps the HTTP server duration to latency_ms, replaces '/', refuses the rest", () => {
    expect(metricName("queue.depth", cfg)).toBe("queue.depth");
    expect(metricName("http.server.request.duration", cfg)).toBe("latency_ms");
    expect(metricName("db/query.time", cfg)).toBe("db_query.time");
    expect(metricName("9lives", cfg)).toBeNull();
    expect(metricName("x".repeat(65), cfg)).toBeNull();
    expect(parseNameMap("my.latency=latency_ms, quality.score=quality")).toMatchObject({ "my.latency": "latency_ms", "quality.score": "quality" });
    expect(() => parseNameMap("nonsense")).toThrow(/OTLP_METRIC_NAMES/);
  });
});

describe("extract", () => {
  it("takes the target from the point, then the resource; converts seconds to ms for latency", () => {
    const r = extract(req([
      { name: "http.server.request.duration", unit: "s", histogram: { aggregationTemporality: 1, dataPoints: [
        { attributes: kv({ "rollout.variant": "old", "http.response.status_code": 502 }), timeUnixNano: ns(nowMs), count: "2", sum: 0.3, bucketCounts: ["1", "1"], explicitBounds: [0.1] },
      ] } },
    ]), cfg, nowMs);
    expect(r.rejected).toBe(0);
    expect(r.candidates[0]).toMatchObject({ target: { workspace: "acme", migration: "lead-centric", variant: "old" }, metric: "latency_ms", factor: 1000, failed: true, series: null });
  });

  it("rejects points one by one and keeps the first reason", () => {
    const r = extract(req([
      { name: "ok", gauge: { dataPoints: [{ timeUnixNano: ns(nowMs), asDouble: 1 }] } },
      { name: "late", gauge: { dataPoints: [{ timeUnixNano: ns(nowMs - 40 * 86_400_000), asDouble: 1 }] } },
      { name: "nan", gauge: { dataPoints: [{ timeUnixNano: ns(nowMs), asDouble: "NaN" }] } },
      { name: "latency_ms", unit: "By", gauge: { dataPoints: [{ timeUnixNano: ns(nowMs), asDouble: 1 }] } },
      { name: "h", histogram: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: ns(nowMs), count: "3", bucketCounts: ["1", "1"], explicitBounds: [1] }] } },
    ]), cfg, nowMs);
    expect(r.total).toBe(5);
    expect(r.candidates).toHaveLength(1);
    expect(r.rejected).toBe(4);
    expect(r.firstProblem).toMatch(/^metric 'late' point 0: timeUnixNano is more than 31 days in the past/);
  });

  it("refuses a target without a workspace, and attributes over the limits", () => {
    const r = extract(req([{ name: "g", gauge: { dataPoints: [{ timeUnixNano: ns(nowMs), asDouble: 1 }] } }], { "rollout.migration": "m", "rollout.variant": "new" }), cfg, nowMs);
    expect(r.firstProblem).toContain("no 'rollout.workspace' attribute");
    const long = extract(req([{ name: "g", gauge: { dataPoints: [{ attributes: kv({ x: "y".repeat(2000) }), timeUnixNano: ns(nowMs), asDouble: 1 }] } }]), cfg, nowMs);
    expect(long.firstProblem).toContain("longer than 1024");
  });

  it("gives cumulative series a stable identity that depends on the attributes", () => {
    const point = (a: string) => ({ attributes: kv({ route: a }), startTimeUnixNano: ns(nowMs - 1000), timeUnixNano: ns(nowMs), asInt: "5" });
    const sum = { name: "c", sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [point("/a"), point("/b"), point("/a")] } };
    const [a, b, a2] = extract(req([sum]), cfg, nowMs).candidates.map((c) => c.series);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).toBe(a2);
    expect(a).not.toBe(b);
    // an up-down counter (cumulative, not monotonic) is a level: no series state
    expect(extract(req([{ ...sum, sum: { ...sum.sum, isMonotonic: false } }]), cfg, nowMs).candidates[0].series).toBeNull();
  });
});

describe("cumulative → delta", () => {
  const v = (value: number, s: number, t: number) => ({ startNs: ns(s), timeNs: ns(t), data: { kind: "value" as const, value } });
  it("first point: counts when its stream is fresh, is a baseline otherwise; then deltas, resets, duplicates", () => {
    expect(step(v(5, nowMs - 60_000, nowMs), undefined).emit).toEqual({ kind: "value", value: 5 });
    const old = step(v(500, nowMs - 3 * 86_400_000, nowMs), undefined);
    expect(old.emit).toBeNull();
    const prev = old.state!;
    expect(step(v(512, nowMs - 3 * 86_400_000, nowMs + 60_000), prev).emit).toEqual({ kind: "value", value: 12 });
    expect(step(v(512, nowMs - 3 * 86_400_000, nowMs), prev)).toEqual({ emit: null, state: null });
    expect(step(v(3, nowMs - 3 * 86_400_000, nowMs + 60_000), prev).emit).toEqual({ kind: "value", value: 3 });
    expect(step(v(4, nowMs - 1000, nowMs + 60_000), prev).emit).toEqual({ kind: "value", value: 4 });
    expect(step(v(4, nowMs - 4 * 86_400_000, nowMs + 60_000), prev)).toEqual({ emit: null, state: null });
  });

  it("subtracts explicit and exponential buckets, downscaling to the coarser scale; a drop is a reset", () => {
    const e = (counts: number[], count: number) => ({ kind: "explicit" as const, bounds: [1, 2], counts, count });
    expect(subtract(e([2, 3, 1], 6), e([1, 1, 1], 3))).toMatchObject({ counts: [1, 2, 0], count: 3 });
    expect(subtract(e([0, 3, 1], 4), e([1, 1, 1], 3))).toBeNull();
    const x = (scale: number, offset: number, counts: number[]) => ({ kind: "exponential" as const, scale, zeroCount: 0, zeroThreshold: 0, positive: { offset, counts }, negative: { offset: 0, counts: [] }, count: counts.reduce((a, b) => a + b, 0) });
    expect(downscale({ offset: 3, counts: [1, 1, 1, 1] }, 1)).toEqual({ offset: 1, counts: [1, 2, 1] });
    expect(subtract(x(1, 2, [2, 2, 2]), x(2, 4, [1, 0, 1]))).toMatchObject({ scale: 1, positive: { offset: 2, counts: [1, 1, 2] }, count: 4 });
  });
});

describe("re-bucketing into the rollup histogram", () => {
  const values = Array.from({ length: 20_000 }, (_, i) => 40 * Math.exp(1.2 * Math.sin(i * 12.9898) * Math.cos(i * 78.233)));
  const exact = (q: number) => [...values].sort((a, b) => a - b)[Math.ceil(q * values.length) - 1];
  const check = (hist: number[], min: number, max: number) => {
    const dense = untrim(hist);
    expect(dense[dense.length - 1]).toBe(values.length);
    for (const q of [0.5, 0.95, 0.99]) expect(Math.abs(quantile(dense, q, min, max)! - exact(q)) / exact(q)).toBeLessThan(0.03);
  };

  it("exponential buckets at scale 4 keep p50/p95/p99 within 3 %", () => {
    const scale = 4;
    const idx = (v: number) => Math.ceil(Math.log2(v) * 2 ** scale) - 1;
    const lo = Math.min(...values.map(idx));
    const counts = new Array(Math.max(...values.map(idx)) - lo + 1).fill(0);
    for (const v of values) counts[idx(v) - lo]++;
    const b = exponentialBuckets(scale, 0, 0, { offset: lo, counts }, { offset: 0, counts: [] }, Math.min(...values), Math.max(...values));
    check(toRollupHistogram(b.buckets, true), b.min, b.max);
  });

  it("explicit buckets on the rollup edges keep them within 3 %; counts and the total stay exact", () => {
    const bounds = Array.from({ length: 200 }, (_, i) => 0.01 * 1.05 ** (150 + i));
    const counts = new Array(bounds.length + 1).fill(0);
    for (const v of values) counts[bounds.findIndex((b) => v <= b) === -1 ? bounds.length : bounds.findIndex((b) => v <= b)]++;
    const b = explicitBuckets(bounds, counts, Math.min(...values), Math.max(...values));
    check(toRollupHistogram(b.buckets, false), b.min, b.max);
  });

  it("puts zero and negative values in bucket 0 and an open last bucket at its bound", () => {
    const b = exponentialBuckets(0, 2, 0, { offset: 0, counts: [1] }, { offset: 0, counts: [3] });
    expect(untrim(toRollupHistogram(b.buckets, true))[0]).toBe(5);
    const open = explicitBuckets([10], [0, 4]);
    expect(open.max).toBe(10);
  });
});
