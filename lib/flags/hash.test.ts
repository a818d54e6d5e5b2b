import { describe, expect, it } from "vitest";
import { BUCKETS, bucketFrom, flagBucket, flagSeed, inRollout } from "./hash";

const units = Array.from({ length: 100_000 }, (_, i) => `user-${i}`);

describe("flag bucket hash", () => {
  it("matches known values (the same ones the SQL function returns)", () => {
    // Pinned: changing the hash would move every unit between on and off.
    expect(flagBucket("ai_pipeline_v2", "a")).toBe(9602);
    expect(flagBucket("ai_pipeline_v2", "user-1")).toBe(3194);
    expect(flagBucket("ai_pipeline_v2", "5b1d6c3e-1111-2222-3333-444455556666")).toBe(7253);
    expect(flagBucket("ai_pipeline_v2", "日本語")).toBe(3571);
    expect(flagBucket("ai_pipeline_v2", "😀x")).toBe(9398);
    expect(flagBucket("ai_pipeline_v2", "")).toBe(8458);
  });

  it("continues from a precomputed flag seed to the same bucket", () => {
    const seed = flagSeed("lead_dual_write");
    for (const u of units.slice(0, 1000)) expect(bucketFrom(seed, u)).toBe(flagBucket("lead_dual_write", u));
  });

  it("spreads 100 000 sequential units evenly over the buckets (chi-square, 100 groups)", () => {
    for (const key of ["ai_pipeline_v2", "lead_dual_write", "x"]) {
      const groups = new Array(100).fill(0);
      let outOfRange = 0;
      for (const u of units) {
        const b = flagBucket(key, u);
        if (!(b >= 0 && b < BUCKETS && Number.isInteger(b))) outOfRange++;
        else groups[Math.floor(b / 100)]++;
      }
      expect(outOfRange).toBe(0);
      const expected = units.length / 100;
      const chi2 = groups.reduce((s, n) => s + (n - expected) ** 2 / expected, 0);
      // 99 degrees of freedom: p = 0.001 at about 148.
      expect(chi2, key).toBeLessThan(148);
    }
  });

  it("puts each percentage's share of units on, within half a percentage point", () => {
    for (const bps of [1, 100, 1000, 2500, 5000, 9000, 9999]) {
      const on = units.filter((u) => inRollout("ai_pipeline_v2", u, bps)).length;
      expect(Math.abs(on / units.length - bps / BUCKETS), `bps ${bps}`).toBeLessThan(0.005);
    }
  });

  it("only adds units when raising the percentage and only removes them when lowering it", () => {
    const steps = [0, 1, 50, 100, 1000, 2500, 2501, 5000, 7500, 9999, 10_000];
    let previous = new Set<string>();
    for (const bps of steps) {
      const on = new Set(units.filter((u) => inRollout("multi_lead_contacts", u, bps)));
      expect([...previous].filter((u) => !on.has(u)), `raised to ${bps}`).toEqual([]);
      previous = on;
    }
    expect(previous.size).toBe(units.length);
    for (const bps of [...steps].reverse()) {
      const on = new Set(units.filter((u) => inRollout("multi_lead_contacts", u, bps)));
      expect([...on].filter((u) => !previous.has(u)), `lowered to ${bps}`).toEqual([]);
      previous = on;
    }
    expect(previous.size).toBe(0);
  });

  it("treats 0 % as nobody and 100 % as everybody", () => {
    expect(units.some((u) => inRollout("k", u, 0))).toBe(false);
    expect(units.every((u) => inRollout("k", u, 10_000))).toBe(true);
  });
});
