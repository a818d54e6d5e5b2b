import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rng } from "../../lib/seed/random";
import { cumulative } from "../../lib/telemetry/histogram";
import { asAnon, asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, storeSamples, type Sample, type TestUser } from "../helpers/db";

// The statistics of checks (supabase/schemas/checks/*.sql) against values computed
// here, independently: the normal-mixture boundary re-derived in TypeScript, the
// exact probability (dynamic programming over every binomial path) that the
// sequence ever misses the truth, asymptotic quantile variances, and properties
// over random inputs.

type Evidence = { estimate: number | null; lower: number | null; upper: number | null; verdict: string; needed_samples_estimate: number | null; p_value: number | null; test: string };

afterAll(closeDb);

/** Howard et al. (2021) eq. (14), two-sided normal mixture, ρ tuned for t*. */
function csMultiplier(t: number, alpha: number, tStar: number): number {
  const rho2 = (-2 * Math.log(alpha) + Math.log(1 - 2 * Math.log(alpha))) / tStar;
  const v = t * rho2;
  return Math.sqrt(((v + 1) / v) * 2 * Math.log(Math.sqrt(v + 1) / alpha));
}

async function sqlOne<T>(q: Promise<Record<string, unknown>[]>): Promise<T> {
  const [row] = await q;
  return Object.values(row)[0] as T;
}

const proportion = (cmp: string, xo: number, no: number, xn: number, nn: number, op: string, thr: number, alpha = 0.01) =>
  sqlOne<Evidence>(db()`select app_private.proportion_test(${cmp}, ${xo}, ${no}, ${xn}, ${nn}, ${op}, ${thr}, ${alpha})`);

/** The trimmed cumulative layout rollups store: {lo, c(lo), …, c(hi)}. */
function trimmed(values: number[]): number[] {
  const c = cumulative(values);
  const n = c[c.length - 1];
  let lo = 0;
  while (c[lo] === 0) lo++;
  let hi = lo;
  while (c[hi] < n) hi++;
  return [lo, ...c.slice(lo, hi + 1)];
}

function lognormal(r: () => number, mu: number, sigma: number): number {
  const u = Math.max(r(), 1e-12);
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
  return Math.exp(mu + sigma * z);
}

describe("the confidence-sequence boundary", () => {
  it("matches the normal-mixture formula and is always wider than the fixed-horizon interval", async () => {
    for (const [t, alpha, tStar] of [[10, 0.05, 1000], [1000, 0.01, 1000], [50_000, 0.01, 1000], [300, 0.001, 200]]) {
      const m = await sqlOne<number>(db()`select app_private.cs_multiplier(${t}, ${alpha}, ${tStar})`);
      expect(m).toBeCloseTo(csMultiplier(t, alpha, tStar), 10);
    }
    // two-sided fixed-horizon z at α = 0.05 is 1.96: a sequence paying for every look is wider everywhere
    const ms = await db()`select app_private.cs_multiplier(t, 0.05, 1000)::float8 as m from generate_series(1, 100000, 997) t`;
    for (const { m } of ms) expect(Number(m)).toBeGreaterThan(1.96);
  });

  it("the mixture p-value is below α exactly when the interval excludes the threshold", async () => {
    const e = await proportion("difference_to_old", 30, 3000, 75, 3000, "<=", 0);
    expect(e.verdict).toBe("fail");
    expect(e.p_value!).toBeLessThan(0.01);
    const e2 = await proportion("difference_to_old", 30, 3000, 45, 3000, "<=", 0);
    expect(e2.verdict).toBe("inconclusive");
    expect(e2.p_value!).toBeGreaterThan(0.01);
  });
});

describe("time-uniform coverage, computed exactly", () => {
  // P(the interval ever excludes the true rate p within N samples), summing the
  // probability of every path of a Bernoulli(p) sequence: it must stay below α
  // although the check is evaluated after every single sample.
  for (const [p, alpha, N] of [[0.3, 0.05, 300], [0.05, 0.05, 400], [0.02, 0.01, 400]] as const) {
    it(`rate ${p}, α ${alpha}, ${N} looks`, async () => {
      const rows = await db()`
        select n, x, w.lower as lo, w.upper as hi
          from generate_series(1, ${N}) n, generate_series(0, n) x,
               lateral app_private.wilson_limits(x, n, app_private.cs_multiplier(n, ${alpha}, 1000)) w`;
      // …which are the bounds of the absolute rate check
      const [e] = await db()`select app_private.proportion_test('absolute', null, null, 3, ${N}, '<=', 0.5, ${alpha}) as e`;
      const w = rows.find((r) => r.n === N && r.x === 3)!;
      expect(e.e.lower).toBeCloseTo(Number(w.lo), 12);
      expect(e.e.upper).toBeCloseTo(Number(w.hi), 12);
      const covers = new Map<string, boolean>();
      for (const r of rows) covers.set(`${r.n}:${r.x}`, Number(r.lo) <= p && p <= Number(r.hi));
      let alive = [1]; // probability of x successes so far on paths that never missed
      for (let n = 1; n <= N; n++) {
        const next = new Array<number>(n + 1).fill(0);
        for (let x = 0; x < alive.length; x++) {
          next[x] += alive[x] * (1 - p);
          next[x + 1] += alive[x] * p;
        }
        for (let x = 0; x <= n; x++) if (!covers.get(`${n}:${x}`)) next[x] = 0;
        alive = next;
      }
      const everMissed = 1 - alive.reduce((a, b) => a + b, 0);
      expect(everMissed).toBeLessThanOrEqual(alpha);
    });
  }
});

describe("two proportions (Agresti–Caffo centre, sequential width)", () => {
  it("reproduces Newcombe's hybrid score interval with the sequence's multiplier", async () => {
    // 12 of 400 (old) vs 30 of 400 (new), α = 0.05
    const e = await proportion("difference_to_old", 12, 400, 30, 400, "<=", 0, 0.05);
    const m = csMultiplier(400, 0.05, 1000);
    const wilson = (x: number, n: number) => {
      const p = x / n, k = (m * m) / n;
      const c = (p + k / 2) / (1 + k), h = (m / (1 + k)) * Math.sqrt((p * (1 - p)) / n + (m * m) / (4 * n * n));
      return [c - h, c + h];
    };
    const [lo, uo] = wilson(12, 400), [ln, un] = wilson(30, 400);
    const d = 30 / 400 - 12 / 400;
    expect(e.estimate).toBeCloseTo(d, 12);
    expect(e.lower).toBeCloseTo(d - Math.hypot(30 / 400 - ln, uo - 12 / 400), 10);
    expect(e.upper).toBeCloseTo(d + Math.hypot(un - 30 / 400, 12 / 400 - lo), 10);
    expect(e.test).toBe("proportion_difference_cs");
    // Wilson's textbook example (z = 1.96 ⇒ m fixed): 81 of 263 → [0.2553, 0.3662] (Newcombe 1998, table I)
    const [row] = await db()`select * from app_private.wilson_limits(81, 263, 1.959964)`;
    expect(Number(row.lower)).toBeCloseTo(0.2553, 4);
    expect(Number(row.upper)).toBeCloseTo(0.3662, 4);
  });

  it("catches 1 % → 10 % errors by 300 samples per variant, and not 1 % → 1 %", async () => {
    expect((await proportion("difference_to_old", 3, 300, 30, 300, "<=", 0)).verdict).toBe("fail");
    expect((await proportion("difference_to_old", 3, 300, 3, 300, "<=", 0)).verdict).toBe("inconclusive");
  });

  it("says how many more samples would settle an inconclusive difference", async () => {
    // 1 % vs 1.5 %, seen on 4 000 and on 10 000 samples per variant: both inconclusive,
    // and both estimates point at the same total (≈ 14 500 per variant)
    const e = await proportion("difference_to_old", 100, 10_000, 150, 10_000, "<=", 0);
    const e1 = await proportion("difference_to_old", 40, 4000, 60, 4000, "<=", 0);
    expect(e.verdict).toBe("inconclusive");
    expect(e1.verdict).toBe("inconclusive");
    expect(Math.abs(e1.needed_samples_estimate! + 4000 - (e.needed_samples_estimate! + 10_000))).toBeLessThan(500);
    expect(e1.needed_samples_estimate!).toBeGreaterThan(1000);
    expect(e1.needed_samples_estimate!).toBeLessThan(20_000);
    const more = Math.ceil((e1.needed_samples_estimate! + 4000) * 1.2);
    const settled = await proportion("difference_to_old", Math.round(more * 0.01), more, Math.round(more * 0.015), more, "<=", 0);
    expect(settled.verdict).toBe("fail");
  });

  const counts = fc.record({ n1: fc.integer({ min: 20, max: 20_000 }), n2: fc.integer({ min: 20, max: 20_000 }), p1: fc.double({ min: 0, max: 0.5, noNaN: true }), p2: fc.double({ min: 0, max: 0.5, noNaN: true }) });

  it("property: the interval holds the estimate, for difference, ratio and absolute", async () => {
    await fc.assert(fc.asyncProperty(counts, async ({ n1, n2, p1, p2 }) => {
      const x1 = Math.round(n1 * p1), x2 = Math.round(n2 * p2);
      for (const cmp of ["difference_to_old", "ratio_to_old", "absolute"]) {
        const e = await proportion(cmp, x1, n1, x2, n2, "<=", cmp === "ratio_to_old" ? 1.2 : 0.01);
        expect(e.lower!).toBeLessThanOrEqual(e.estimate! + 1e-12);
        expect(e.upper!).toBeGreaterThanOrEqual(e.estimate! - 1e-12);
      }
    }), { numRuns: 60 });
  });

  it("property: swapping old and new mirrors the difference and inverts the ratio, with the same verdicts", async () => {
    await fc.assert(fc.asyncProperty(counts, fc.integer({ min: -50, max: 50 }).map((k) => k / 1000), async ({ n1, n2, p1, p2 }, d) => {
      const x1 = Math.round(n1 * p1), x2 = Math.round(n2 * p2);
      const a = await proportion("difference_to_old", x1, n1, x2, n2, "<=", d);
      const b = await proportion("difference_to_old", x2, n2, x1, n1, ">=", -d);
      expect(b.estimate!).toBeCloseTo(-a.estimate!, 12);
      expect(b.lower!).toBeCloseTo(-a.upper!, 9);
      expect(b.upper!).toBeCloseTo(-a.lower!, 9);
      expect(b.verdict).toBe(a.verdict);
      const r = await proportion("ratio_to_old", x1, n1, x2, n2, "<=", 1.1);
      const s = await proportion("ratio_to_old", x2, n2, x1, n1, ">=", 1 / 1.1);
      expect(s.lower!).toBeCloseTo(1 / r.upper!, 9);
      expect(s.verdict).toBe(r.verdict);
    }), { numRuns: 60 });
  });

  it("property: more data of the same kind does not widen the interval (beyond 2 %)", async () => {
    await fc.assert(fc.asyncProperty(counts, fc.integer({ min: 2, max: 20 }), async ({ n1, n2, p1, p2 }, k) => {
      const x1 = Math.round(n1 * p1), x2 = Math.round(n2 * p2);
      const a = await proportion("difference_to_old", x1, n1, x2, n2, "<=", 0);
      const b = await proportion("difference_to_old", x1 * k, n1 * k, x2 * k, n2 * k, "<=", 0);
      expect(b.upper! - b.lower!).toBeLessThanOrEqual((a.upper! - a.lower!) * 1.02);
    }), { numRuns: 60 });
  });
});

describe("means and quantiles from rollup histograms", () => {
  it("the histogram variance is within 3 % of the exact sample variance", async () => {
    const r = rng(7).next;
    const values = Array.from({ length: 5000 }, () => Math.min(1, Math.max(0.3, 0.85 + 0.1 * (r() + r() + r() - 1.5) * 2)));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    const v = await sqlOne<number>(db()`select app_private.hist_variance(${trimmed(values)}::int[], ${Math.min(...values)}, ${Math.max(...values)})`);
    expect(Math.abs(v - variance) / variance).toBeLessThan(0.03);
  });

  it("a quality ratio of 0.95 × old is judged with the Welch-type delta method", async () => {
    // n = 4000 each, means 0.90 vs 0.855 (−5 %), sd 0.1
    const e = await sqlOne<Evidence>(db()`select app_private.mean_test('ratio_to_old', 4000, 0.9, 0.01, 4000, 0.855, 0.01, '>=', 0.97, 0.01)`);
    const se = Math.sqrt(0.01 / (4000 * 0.9 ** 2) + 0.01 / (4000 * 0.855 ** 2));
    const m = csMultiplier(4000, 0.01, 1000);
    expect(e.estimate).toBeCloseTo(0.95, 12);
    expect(e.upper).toBeCloseTo(Math.exp(Math.log(0.95) + m * se), 10);
    expect(e.verdict).toBe("fail");
  });

  it("the standard error of a log-quantile matches the asymptotic value for a lognormal sample", async () => {
    // ln p95 of lognormal(σ): se = sqrt(q(1−q)/n) · σ / φ(z_q), z_0.95 = 1.6449
    const r = rng(11).next;
    const sigma = 0.5, n = 20_000;
    const values = Array.from({ length: n }, () => lognormal(r, Math.log(100), sigma));
    const phi = Math.exp(-(1.6449 ** 2) / 2) / Math.sqrt(2 * Math.PI);
    const expected = Math.sqrt((0.95 * 0.05) / n) * sigma / phi;
    const [row] = await db()`select * from app_private.hist_quantile_log_se(${trimmed(values)}::int[], 0.95, ${Math.min(...values)}, ${Math.max(...values)})`;
    expect(Math.abs(Number(row.se_log) - expected) / expected).toBeLessThan(0.2);
    expect(Number(row.estimate) / (100 * Math.exp(sigma * 1.6449))).toBeGreaterThan(0.96);
    expect(Number(row.estimate) / (100 * Math.exp(sigma * 1.6449))).toBeLessThan(1.04);
  });

  it("p95 × 2 is a fail by 300 samples per variant; the same distribution is not", async () => {
    const r = rng(5).next;
    const draw = (k: number, f: number) => Array.from({ length: k }, () => f * lognormal(r, Math.log(100), 0.5));
    const q = async (a: number[], b: number[]) => sqlOne<Evidence>(db()`select app_private.quantile_test('ratio_to_old', 0.95,
      ${trimmed(a)}::int[], ${Math.min(...a)}, ${Math.max(...a)}, ${trimmed(b)}::int[], ${Math.min(...b)}, ${Math.max(...b)}, '<=', 1.2, 0.01)`);
    expect((await q(draw(300, 1), draw(300, 2))).verdict).toBe("fail");
    expect((await q(draw(300, 1), draw(300, 1))).verdict).not.toBe("fail");
    // too few samples beyond the quantile: inconclusive, never a pass
    expect((await q(draw(150, 1), draw(150, 1))).verdict).toBe("inconclusive");
  });

  it("property: quantile-ratio intervals hold the estimate and swap symmetrically", async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 200, max: 3000 }), fc.double({ min: 0.5, max: 2, noNaN: true }), async (seed, n, f) => {
      const r = rng(seed).next;
      const a = Array.from({ length: n }, () => lognormal(r, Math.log(80), 0.6));
      const b = Array.from({ length: n }, () => f * lognormal(r, Math.log(80), 0.6));
      const args = (x: number[], y: number[], op: string, thr: number) => db()`select app_private.quantile_test('ratio_to_old', 0.95,
        ${trimmed(x)}::int[], ${Math.min(...x)}, ${Math.max(...x)}, ${trimmed(y)}::int[], ${Math.min(...y)}, ${Math.max(...y)}, ${op}, ${thr}, 0.01) as e`;
      const [{ e }] = await args(a, b, "<=", 1.2);
      const [{ e: s }] = await args(b, a, ">=", 1 / 1.2);
      expect(e.lower).toBeLessThanOrEqual(e.estimate * (1 + 1e-12));
      expect(e.upper).toBeGreaterThanOrEqual(e.estimate * (1 - 1e-12));
      expect(s.lower).toBeCloseTo(1 / e.upper, 9);
      expect(s.verdict).toBe(e.verdict);
    }), { numRuns: 25 });
  });
});

describe("checks evaluated from rollups", () => {
  let viewer: TestUser, stranger: TestUser;
  beforeAll(async () => {
    [viewer, stranger] = await Promise.all([createUser("viewer"), createUser(null)]);
  });

  async function cohort(k: number) {
    const mig = await createMigration([{}, {}, {}]);
    const ws = [];
    for (let i = 0; i < k; i++) {
      const w = await createWorkspace();
      await enroll(w.id, mig.id, 2, 30);
      ws.push(w);
    }
    return { mig, ws };
  }
  const rates = (n: number, oldRate: number, newRate: number, metric = "error"): Sample[] =>
    Array.from({ length: n }, (_, i) => [
      { variant: "old" as const, metric, value: i < n * oldRate ? 1 : 0 },
      { variant: "new" as const, metric, value: i < n * newRate ? 1 : 0 },
    ]).flat();

  const errorCheck = { statistic: "error_rate", comparison: "difference_to_old", operator: "<=", threshold: 0, min_samples: 100, alpha: 0.01 };

  it("returns the full evidence, with a summary people can read", async () => {
    const { mig, ws } = await cohort(1);
    await storeSamples(ws[0].id, mig.id, rates(500, 0.01, 0.1));
    const e = await asUser(viewer, (tx) => tx`select public.evaluate_check(${ws[0].id}, ${mig.id}, ${tx.json(errorCheck)}) as e`).then((r) => r[0].e);
    expect(e).toMatchObject({ statistic: "error_rate", comparison: "difference_to_old", n_old: 500, n_new: 500, verdict: "fail", test: "proportion_difference_cs", threshold: 0 });
    expect(e.estimate).toBeCloseTo(0.09, 9);
    expect(e.lower).toBeGreaterThan(0);
    expect(e.window.from).toBeTruthy();
    expect(e.summary).toMatch(/^error rate new − old 0\.0900 \[0\.\d+, 0\.\d+\] \(limit <= 0\.0000\), fail$/);
  });

  it("missing data and too few samples are inconclusive, never a pass", async () => {
    const { mig, ws } = await cohort(1);
    const none = await asUser(viewer, (tx) => tx`select public.evaluate_check(${ws[0].id}, ${mig.id}, ${tx.json(errorCheck)}) as e`).then((r) => r[0].e);
    expect(none).toMatchObject({ verdict: "inconclusive", reason: "no_data", n_new: 0 });
    await storeSamples(ws[0].id, mig.id, rates(50, 0, 0));
    const few = await asUser(viewer, (tx) => tx`select public.evaluate_check(${ws[0].id}, ${mig.id}, ${tx.json(errorCheck)}) as e`).then((r) => r[0].e);
    expect(few).toMatchObject({ verdict: "inconclusive", reason: "min_samples", n_new: 50 });
    expect(few.needed_samples_estimate).toBeGreaterThanOrEqual(50);
    expect(few.summary).toMatch(/inconclusive, about \d+ more samples needed/);
  });

  it("judges a custom metric (quality ≥ 0.95 × old) and an absolute success rate", async () => {
    const { mig, ws } = await cohort(1);
    const r = rng(3).next;
    const q: Sample[] = [];
    for (let i = 0; i < 3000; i++) {
      q.push({ variant: "old", metric: "quality", value: Math.min(1, Math.max(0, 0.9 + 0.08 * (r() - 0.5) * 3)) });
      q.push({ variant: "new", metric: "quality", value: Math.min(1, Math.max(0, 0.8 + 0.08 * (r() - 0.5) * 3)) });
    }
    await storeSamples(ws[0].id, mig.id, [...q, ...rates(400, 0.95, 0.6, "success")]);
    const quality = await asUser(viewer, (tx) => tx`select public.evaluate_check(${ws[0].id}, ${mig.id},
      ${tx.json({ statistic: "metric_mean", metric: "quality", comparison: "ratio_to_old", operator: ">=", threshold: 0.95 })}) as e`).then((x) => x[0].e);
    expect(quality).toMatchObject({ verdict: "fail", test: "mean_ratio_cs", n_new: 3000 });
    expect(quality.estimate).toBeCloseTo(0.8 / 0.9, 2);
    const success = await asUser(viewer, (tx) => tx`select public.evaluate_check(${ws[0].id}, ${mig.id},
      ${tx.json({ statistic: "success_rate", comparison: "absolute", operator: ">=", threshold: 0.8 })}) as e`).then((x) => x[0].e);
    expect(success).toMatchObject({ verdict: "fail", test: "proportion_cs" });
    expect(success.estimate).toBeCloseTo(0.6, 9);
  });

  it("counts complaints, open alerts and soak time exactly", async () => {
    const { mig, ws } = await cohort(1);
    await db()`insert into public.feedback_tracking (workspace_id, migration_id, kind, source) values (${ws[0].id}, ${mig.id}, 'complaint', 't'), (${ws[0].id}, ${mig.id}, 'bug', 't')`;
    const ev = (c: object) => asUser(viewer, (tx) => tx`select public.evaluate_check(${ws[0].id}, ${mig.id}, ${tx.json(c as never)}) as e`).then((x) => x[0].e);
    expect(await ev({ statistic: "complaints", operator: "<", threshold: 3 })).toMatchObject({ estimate: 2, verdict: "pass", test: "count" });
    expect(await ev({ statistic: "complaints", operator: "<", threshold: 2 })).toMatchObject({ verdict: "fail" });
    expect(await ev({ statistic: "open_alerts", operator: "<=", threshold: 0, severity: "critical" })).toMatchObject({ estimate: 0, verdict: "pass" });
    const soak = await ev({ statistic: "soak_time", operator: ">=", threshold: 60 });
    expect(soak.verdict).toBe("fail");
    expect(soak.estimate).toBeGreaterThanOrEqual(29);
  });

  it("pools a cohort and flags the one bad workspace", async () => {
    const { mig, ws } = await cohort(6);
    for (const [i, w] of ws.entries()) await storeSamples(w.id, mig.id, rates(400, 0.02, i === 0 ? 0.2 : 0.02));
    const res = await asUser(viewer, (tx) => tx`select public.evaluate_check_pooled(${mig.id}, 2, ${tx.json(errorCheck)}) as e`).then((x) => x[0].e);
    expect(res.pooled).toMatchObject({ n_old: 2400, n_new: 2400 });
    const flagged = res.workspaces.filter((w: { outlier: boolean }) => w.outlier).map((w: { workspace_id: string }) => w.workspace_id);
    expect(flagged).toEqual([ws[0].id]);
    expect(res.outliers).toBe(1);
    // healthy tenants alone are not failed
    expect(res.workspaces.filter((w: { evidence: Evidence }) => w.evidence.verdict === "fail")).toHaveLength(1);
  });

  it("refuses anonymous callers and non-members", async () => {
    const { mig, ws } = await cohort(1);
    await expect(asAnon((tx) => tx`select public.evaluate_check(${ws[0].id}, ${mig.id}, ${tx.json(errorCheck)})`)).rejects.toMatchObject({ code: "42501" });
    await expect(asUser(stranger, (tx) => tx`select public.evaluate_check(${ws[0].id}, ${mig.id}, ${tx.json(errorCheck)})`)).rejects.toMatchObject({ code: "42501" });
    await expect(asUser(stranger, (tx) => tx`select public.evaluate_check_pooled(${mig.id}, 2, ${tx.json(errorCheck)})`)).rejects.toMatchObject({ code: "42501" });
    await expect(asUser(viewer, (tx) => tx`select app_private.evaluate_check(${tx.json(errorCheck)}, ${[ws[0].id]}::uuid[], ${mig.id}, now() - interval '1 hour', now())`)).rejects.toMatchObject({ code: "42501" });
  });
});

describe("stage gates on checks", () => {
  let viewer: TestUser;
  beforeAll(async () => {
    viewer = await createUser("viewer");
  });
  const quality = (n: number, factor: number): Sample[] =>
    Array.from({ length: n }, (_, i) => {
      const jitter = ((i * 7919) % 100) / 100 - 0.5;
      return [{ variant: "old" as const, metric: "quality", value: 0.9 + 0.1 * jitter }, { variant: "new" as const, metric: "quality", value: (0.9 + 0.1 * jitter) * factor }];
    }).flat();
  const latency = (n: number, factor: number): Sample[] =>
    Array.from({ length: n }, (_, i) => {
      const jitter = ((i * 7919) % 100) / 100;
      return [{ variant: "old" as const, metric: "latency_ms", value: 100 * (0.6 + jitter * 0.8) }, { variant: "new" as const, metric: "latency_ms", value: 100 * factor * (0.6 + jitter * 0.8) }];
    }).flat();

  async function gated(samples: Sample[]) {
    const mig = await createMigration([{}, { minSamples: 100, maxP95Ratio: 1.2 }]);
    await db()`update public.migration_stages set checks = ${db().json([{ key: "quality", statistic: "metric_mean", metric: "quality", comparison: "ratio_to_old", operator: ">=", threshold: 0.95, label: "Quality new/old" }] as never)}
               where migration_id = ${mig.id} and position = 1`;
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 0, 120);
    await storeSamples(ws.id, mig.id, samples);
    const [{ r }] = await asUser(viewer, (tx) => tx`select public.evaluate_gate(${ws.id}, ${mig.id}) as r`);
    return r as { passed: boolean; checks: { check: string; status: string; observed: number; lower: number; upper: number; summary: string; n_old: number; n_new: number }[] };
  }

  it("passes when every interval meets its limit, custom metric included", async () => {
    const r = await gated([...latency(400, 1), ...quality(400, 1)]);
    expect(r.checks.map((c) => [c.check, c.status])).toEqual([["min_samples", "pass"], ["p95_ratio", "pass"], ["quality", "pass"]]);
    expect(r.passed).toBe(true);
    const q = r.checks.find((c) => c.check === "quality")!;
    expect(q).toMatchObject({ n_old: 400, n_new: 400 });
    expect(q.lower).toBeLessThanOrEqual(1);
    expect(q.upper).toBeGreaterThanOrEqual(1);
  });

  it("is inconclusive, and blocks, while the interval straddles the limit; it says how many more samples", async () => {
    const r = await gated([...latency(400, 1.15), ...quality(400, 1)]);
    const p95 = r.checks.find((c) => c.check === "p95_ratio")!;
    expect(p95.status).toBe("inconclusive");
    expect(p95.lower).toBeLessThan(1.2);
    expect(p95.upper).toBeGreaterThan(1.2);
    expect(p95.summary).toMatch(/^p95 latency new\/old 1\.1\d+ \[1\.\d+, 1\.\d+\] \(limit <= 1\.200\), inconclusive, about \d+ more samples needed$/);
    expect(r.passed).toBe(false);
  });

  it("fails on a custom metric below 0.95 × old", async () => {
    const r = await gated([...latency(400, 1), ...quality(400, 0.85)]);
    expect(r.checks.find((c) => c.check === "quality")).toMatchObject({ status: "fail" });
    expect(r.passed).toBe(false);
  });
});
