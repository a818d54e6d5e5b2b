import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readSeries, resolveScope } from "../../lib/telemetry/chart-data";
import { readFeedback } from "../../lib/telemetry/feedback-data";
import { asUser, closeDb, createUser, db, type TestUser } from "../helpers/db";

// The chart and feedback readers against the seeded demo telemetry, as members
// (RLS applies): the shapes the panel draws, and nothing for non-members.
let viewer: TestUser, stranger: TestUser;
let canary: { slug: string };

beforeAll(async () => {
  [viewer, stranger] = await Promise.all([createUser("viewer"), createUser(null)]);
  [canary] = await db()<{ slug: string }[]>`select slug from public.workspaces where slug = 'acme-internal'`;
});
afterAll(closeDb);

describe("readSeries", () => {
  for (const range of ["1h", "24h", "7d", "30d"] as const) {
    it(`gives old and new series for a workspace over ${range}`, async () => {
      const res = await asUser(viewer, async (tx) => {
        const scope = await resolveScope(tx as never, "ai-pipeline", canary.slug);
        return readSeries(tx as never, scope!, range, ["quality"]);
      });
      expect(res.points.length).toBeGreaterThan(0);
      const withLatency = res.points.filter((p) => p.p95_old != null || p.p95_new != null);
      expect(withLatency.length).toBeGreaterThan(0);
      for (const p of withLatency) {
        for (const v of ["old", "new"]) if (p[`p95_${v}`] != null) expect(p[`p95_${v}`]!).toBeGreaterThanOrEqual(p[`p50_${v}`]!);
      }
      expect(res.customMetrics).toContain("quality");
      expect(res.points.some((p) => p.quality_new != null || p.quality_old != null)).toBe(true);
      expect(res.totals.old.n + res.totals.new.n).toBeGreaterThan(0);
    });
  }

  it("aggregates the whole migration and shows its stage transitions as markers", async () => {
    const res = await asUser(viewer, async (tx) => readSeries(tx as never, (await resolveScope(tx as never, "lead-centric", null))!, "30d", []));
    expect(res.points.length).toBeGreaterThan(50);
    expect(res.markers.length).toBeGreaterThan(0);
    expect(res.markers.every((m) => m.kind !== "enroll")).toBe(true);
    expect(res.markers.map((m) => m.t)).toEqual([...res.markers.map((m) => m.t)].sort((a, b) => a - b));
  });

  it("shows the seeded regression: new-variant p95 on the canary jumps after its last advance", async () => {
    const res = await asUser(viewer, async (tx) => readSeries(tx as never, (await resolveScope(tx as never, "lead-centric", canary.slug))!, "30d", []));
    const advance = res.markers.filter((m) => m.kind === "advance" && m.to >= 2).at(-1)!;
    const p95 = (from: number, to: number) => res.points.filter((p) => p.t >= from && p.t < to && p.p95_new != null).map((p) => p.p95_new!);
    const during = Math.max(...p95(advance.t, advance.t + 3 * 3_600_000));
    const before = p95(advance.t - 48 * 3_600_000, advance.t - 3_600_000).sort((a, b) => a - b);
    expect(during).toBeGreaterThan(2 * before[Math.floor(before.length / 2)]);
  });

  it("a signed-in non-member resolves nothing (RLS)", async () => {
    const scope = await asUser(stranger, (tx) => resolveScope(tx as never, "lead-centric", null));
    expect(scope).toBeNull();
  });
});

describe("readFeedback", () => {
  it("summarises ratings, negative feedback over time and the latest comments, with filters", async () => {
    const all = await asUser(viewer, async (tx) => readFeedback(tx as never, (await resolveScope(tx as never, "lead-centric", canary.slug))!, { range: "30d" }));
    expect(all.total).toBeGreaterThan(0);
    expect(all.ratings.every((r) => r.rating >= 1 && r.rating <= 5)).toBe(true);
    expect(all.negative.length).toBeGreaterThan(0);
    expect(all.latest.length).toBeGreaterThan(0);
    expect(all.latest[0].context).toBeTypeOf("object");
    const onlyNew = await asUser(viewer, async (tx) =>
      readFeedback(tx as never, (await resolveScope(tx as never, "lead-centric", canary.slug))!, { range: "30d", variant: "new", kind: "bug" }));
    expect(onlyNew.total).toBeGreaterThan(0);
    expect(onlyNew.total).toBeLessThan(all.total);
    expect(onlyNew.latest.every((l) => l.variant === "new" && l.kind === "bug")).toBe(true);
  });
});
