import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MetricSample } from "./schemas";
import { isValidSample, parseFeedbackBatch, parseMetricBatch } from "./validate";

const NOW = Date.now();
const good = { workspace: "acme", migration: "lead-centric", variant: "new", metric: "latency_ms", value: 12.5 };

describe("parseMetricBatch", () => {
  it("accepts a bare array or {samples}, and builds columns with each target once", () => {
    for (const body of [[good, { ...good, variant: "old", metric: "error", value: 0 }], { samples: [good, { ...good, variant: "old", metric: "error", value: 0 }] }]) {
      const r = parseMetricBatch(body, NOW);
      expect(r.ok).toBe(true);
      if (!r.ok) return;
      expect(r.batch.workspaces).toEqual(["acme"]);
      expect(r.batch.metrics).toEqual(["latency_ms", "error"]);
      expect(r.batch.metric).toEqual([1, 2]);
      expect(r.batch.isNew).toEqual([true, false]);
      expect(r.batch.pairs).toEqual([1, 1]);
      expect(r.batch.time).toEqual([null, null]);
    }
  });

  it.each([
    [{ ...good, value: Infinity }, "samples[1].value: expected a finite number", "value"],
    [{ ...good, value: "3" }, "samples[1].value: expected a finite number", "value"],
    [{ ...good, value: undefined }, "samples[1].value: is required", "value"],
    [{ ...good, variant: "both" }, 'samples[1].variant: expected "old" or "new"', "variant"],
    [{ ...good, workspace: "Not A Slug" }, "samples[1].workspace: is not a workspace slug", "workspace"],
    [{ ...good, time: NOW + 3_600_000 }, "samples[1].time: is more than 5 minutes in the future", "time"],
    [{ ...good, time: "yesterday" }, "samples[1].time: expected an ISO 8601 time", "time"],
  ])("names the first bad item and field: %j", (bad, message, field) => {
    const r = parseMetricBatch([good, bad, bad], NOW);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problem.status).toBe(422);
    expect(r.problem.message).toContain(message);
    expect(r.problem.index).toBe(1);
    expect(r.problem.field).toBe(field);
  });

  it("refuses empty and oversized batches and non-arrays", () => {
    expect(parseMetricBatch([], NOW)).toMatchObject({ ok: false, problem: { status: 422 } });
    expect(parseMetricBatch(new Array(5001).fill(good), NOW)).toMatchObject({ ok: false, problem: { status: 413 } });
    expect(parseMetricBatch({ items: [good] }, NOW)).toMatchObject({ ok: false, problem: { status: 422 } });
  });

  it("the fast check agrees with the zod schema", () => {
    const anyValue = fc.oneof(fc.double(), fc.string(), fc.constant(undefined), fc.constant(null), fc.integer());
    const sample = fc.record({
      workspace: fc.oneof(fc.constantFrom("acme", "beta-1", "Bad", "-x", ""), fc.string(), anyValue),
      migration: fc.oneof(fc.constantFrom("lead-centric", "ai_pipeline", "UP"), anyValue),
      variant: fc.oneof(fc.constantFrom("old", "new", "NEW"), anyValue),
      metric: fc.oneof(fc.constantFrom("latency_ms", "error", "q.x:1", "9x", "a".repeat(65)), anyValue),
      value: fc.oneof(fc.double(), anyValue),
      time: fc.oneof(fc.constant(undefined), fc.integer({ min: NOW - 40 * 86_400_000, max: NOW + 600_000 }), fc.constantFrom(new Date(NOW).toISOString(), "2026-01-01", "2026-11-22T10:00:00+01:00"), fc.double()),
    }, { requiredKeys: [] });
    fc.assert(fc.property(sample, (s) => {
      expect(isValidSample(s, Date.now())).toBe(MetricSample.safeParse(s).success);
    }), { numRuns: 2000 });
  });
});

describe("parseFeedbackBatch", () => {
  const fb = { workspace: "acme", migration: "lead-centric", kind: "rating", rating: 4, source: "widget" };
  it("accepts items and requires a rating exactly for kind rating", () => {
    expect(parseFeedbackBatch([fb, { ...fb, kind: "complaint", rating: undefined, message: "slow" }]).ok).toBe(true);
    expect(parseFeedbackBatch([{ ...fb, rating: undefined }])).toMatchObject({ ok: false, problem: { index: 0, field: "rating" } });
    expect(parseFeedbackBatch([fb, { ...fb, kind: "bug" }])).toMatchObject({ ok: false, problem: { index: 1, field: "rating" } });
    expect(parseFeedbackBatch([fb, { ...fb, rating: 6 }])).toMatchObject({ ok: false, problem: { index: 1, field: "rating" } });
    expect(parseFeedbackBatch([{ ...fb, context: "x" }])).toMatchObject({ ok: false, problem: { index: 0, field: "context" } });
  });
});
