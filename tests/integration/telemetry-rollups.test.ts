import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BulkLoader } from "../../lib/telemetry/bulk-load";
import { cumulative, trim } from "../../lib/telemetry/histogram";
import { asAnon, asUser, closeDb, createUser, db, type TestUser } from "../helpers/db";

// Rollups against the raw samples they summarise: percentiles within tolerance
// of the exact ones, for one workspace and for the whole migration, over windows
// with ragged edges (hourly tier in the middle, minutes at the edges). Plus RLS on
// the telemetry tables and raw-sample retention.
const MIN = 60_000;
let migrationId: string;
const workspaces: string[] = [];
let viewer: TestUser, stranger: TestUser;
// Three whole hours, two hours ago and older, on minute boundaries.
const start = Math.floor((Date.now() - 5 * 3_600_000) / 3_600_000) * 3_600_000;

async function store(ws: string, metric: string, variant: "old" | "new", values: number[], times: number[]) {
  const lit = (xs: (number | boolean)[]) => `{${xs.map((x) => (x === true ? "t" : x === false ? "f" : String(x))).join(",")}}`;
  await db()`select app_private.store_metrics(${[ws]}::uuid[], ${[migrationId]}::uuid[], ${[metric]}::text[],
    ${lit(values.map(() => 1))}::int[], ${lit(values.map(() => 1))}::int[], ${lit(values.map(() => 1))}::int[],
    ${lit(values.map(() => variant === "new"))}::boolean[], ${lit(values)}::float8[], ${lit(times.map((t) => t / 1000))}::float8[])`;
}

function rand(seed: number) {
  return () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
}

beforeAll(async () => {
  [viewer, stranger] = await Promise.all([createUser("viewer"), createUser(null)]);
  const key = `t-rollup-${randomUUID().slice(0, 8)}`;
  const [m] = await db()<{ id: string }[]>`insert into public.migrations (key, name) values (${key}, 'Rollup test') returning id`;
  migrationId = m.id;
  await db()`insert into public.migration_stages (migration_id, position, key, name) values (${migrationId}, 0, 'old', 'Old'), (${migrationId}, 1, 'new', 'New')`;
  const r = rand(42);
  for (let w = 0; w < 3; w++) {
    const [ws] = await db()<{ id: string }[]>`insert into public.workspaces (slug, name) values (${`t-rl-${randomUUID().slice(0, 10)}`}, 'Rollup ws') returning id`;
    await db()`insert into public.workspace_rollouts (workspace_id, migration_id, stage) values (${ws.id}, ${migrationId}, 1)`;
    workspaces.push(ws.id);
    // Log-normal latency, a different median per workspace, spread over 3 hours, in batches.
    for (let b = 0; b < 6; b++) {
      const values: number[] = [];
      const times: number[] = [];
      for (let i = 0; i < 2000; i++) {
        const normal = Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
        values.push(Math.exp(4 + w * 0.5 + 0.5 * normal));
        times.push(start + Math.floor(r() * 180) * MIN + Math.floor(r() * 59_000));
      }
      await store(ws.id, "latency_ms", "new", values, times);
      await store(ws.id, "error", "new", values.map((v) => (v > 400 ? 1 : 0)), times);
    }
  }
});
afterAll(closeDb);

async function compare(workspace: string | null, from: number, to: number) {
  const [stats] = await db()`select * from public.rollup_stats(${workspace}, ${migrationId}, 'latency_ms', 'new', ${new Date(from)}, ${new Date(to)})`;
  const [exact] = await db()`
    select count(*)::bigint as n, avg(value) as mean, min(value) as min, max(value) as max,
           percentile_disc(array[0.5, 0.95, 0.99]) within group (order by value) as p
    from public.performance_metrics
    where migration_id = ${migrationId} and (${workspace}::uuid is null or workspace_id = ${workspace}::uuid)
      and metric = 'latency_ms' and variant = 'new' and time >= ${new Date(from)} and time < ${new Date(to)}`;
  return { stats, exact };
}

describe("rollup_stats", () => {
  for (const [label, fromMin, toMin] of [["whole hours", 0, 180], ["ragged edges", 17, 163], ["inside one hour", 61, 89]] as const) {
    for (const scope of ["workspace", "migration"] as const) {
      it(`matches the raw samples for ${label}, per ${scope}`, async () => {
        const { stats, exact } = await compare(scope === "workspace" ? workspaces[1] : null, start + fromMin * MIN, start + toMin * MIN);
        expect(Number(stats.n)).toBe(Number(exact.n));
        expect(Number(stats.n)).toBeGreaterThan(100);
        expect(stats.mean).toBeCloseTo(exact.mean, 6);
        expect(stats.min).toBe(exact.min);
        expect(stats.max).toBe(exact.max);
        const [p50, p95, p99] = exact.p as number[];
        expect(Math.abs(stats.p50 - p50) / p50).toBeLessThan(0.03);
        expect(Math.abs(stats.p95 - p95) / p95).toBeLessThan(0.03);
        expect(Math.abs(stats.p99 - p99) / p99).toBeLessThan(0.03);
      });
    }
  }

  it("gives the error rate as the mean of 0/1 samples", async () => {
    const from = new Date(start), to = new Date(start + 180 * MIN);
    const [stats] = await db()`select * from public.rollup_stats(${workspaces[2]}, ${migrationId}, 'error', 'new', ${from}, ${to})`;
    const [exact] = await db()`select avg(value) as rate from public.performance_metrics
      where workspace_id = ${workspaces[2]} and metric = 'error' and time >= ${from} and time < ${to}`;
    expect(stats.mean).toBeCloseTo(exact.rate, 9);
    expect(stats.mean).toBeGreaterThan(0);
  });

  it("answers n = 0 and null statistics without data", async () => {
    const [stats] = await db()`select * from public.rollup_stats(${workspaces[0]}, ${migrationId}, 'latency_ms', 'old', now() - interval '1 day', now())`;
    expect(stats).toEqual({ n: "0", mean: null, p50: null, p95: null, p99: null, min: null, max: null });
  });

  it("works for the service role and for members through RLS, and shows nothing to non-members", async () => {
    const q = (tx: Parameters<Parameters<typeof asUser>[1]>[0]) =>
      tx`select n from public.rollup_stats(${workspaces[0]}, ${migrationId}, 'latency_ms', 'new', ${new Date(start)}, ${new Date(start + 180 * MIN)})`;
    const asService = await db().begin(async (tx) => {
      await tx`set local role service_role`;
      return q(tx);
    });
    expect(Number(asService[0].n)).toBeGreaterThan(0);
    expect(Number((await asUser(viewer, q))[0].n)).toBe(Number(asService[0].n));
    expect(Number((await asUser(stranger, q))[0].n)).toBe(0);
  });
});

describe("histograms", () => {
  it("SQL builds and merges exactly what lib/telemetry/histogram.ts computes", async () => {
    const t = start + 200 * MIN;
    const a = [0, -3, 0.005, 0.01, 1, 1, 2.5, 99.9, 100, 1e9];
    const b = [3, 1500, 0.02];
    await store(workspaces[0], "hist_check", "old", a, a.map(() => t));
    const [one] = await db()`select hist from public.metric_rollups where workspace_id = ${workspaces[0]} and metric = 'hist_check'`;
    expect(one.hist).toEqual(trim(cumulative(a)));
    await store(workspaces[0], "hist_check", "old", b, b.map(() => t + 1000));
    const [two] = await db()`select hist from public.metric_rollups where workspace_id = ${workspaces[0]} and metric = 'hist_check'`;
    expect(two.hist).toEqual(trim(cumulative([...a, ...b])));
  });
});

describe("bulk loading (seed, benchmark data)", () => {
  it("writes exactly the rollup rows the ingest path writes", async () => {
    const r = rand(9);
    const base = start + 240 * MIN;
    const samples = Array.from({ length: 3000 }, (_, i) => ({ value: i % 7 === 0 ? 0 : Math.exp(3 + r()), t: base + Math.floor(r() * 150) * MIN + (i % 3) * 1000 }));
    const [wsA, wsB] = [workspaces[0], workspaces[1]];
    // Same samples: through store_metrics for workspace A, through the bulk loader (two flushes, merging) for B.
    await store(wsA, "bulk_check", "new", samples.map((s) => s.value), samples.map((s) => s.t));
    const loader = new BulkLoader(db());
    for (const [i, s] of samples.entries()) {
      loader.add(wsB, migrationId, "bulk_check", "new", s.value, s.t);
      if (i === 1500) await loader.flush();
    }
    await loader.flush();
    const rows = (ws: string) => db()`
      select resolution, bucket, n::int, sum, min, max, hist from (
        select 60 as resolution, bucket, n, sum, min, max, hist from public.metric_rollups
        where workspace_id = ${ws} and metric = 'bulk_check'
        union all
        select resolution, bucket, n, sum, min, max, hist from public.metric_rollups_coarse
        where workspace_id = ${ws} and metric = 'bulk_check') x
      order by resolution, bucket`;
    const [a, b] = await Promise.all([rows(wsA), rows(wsB)]);
    expect(a.length).toBeGreaterThan(150);
    expect(b.map((x) => ({ ...x, sum: Math.round(x.sum * 1e6) }))).toEqual(a.map((x) => ({ ...x, sum: Math.round(x.sum * 1e6) })));
  });
});

describe("RLS on telemetry tables", () => {
  const TABLES = ["performance_metrics", "metric_rollups", "metric_rollups_coarse", "feedback_tracking"];

  it("members read, non-members see nothing, anonymous is refused", async () => {
    await db()`insert into public.feedback_tracking (workspace_id, migration_id, stage, kind, source) values (${workspaces[0]}, ${migrationId}, 1, 'comment', 'test')`;
    for (const t of TABLES) {
      const [{ n }] = await asUser(viewer, (tx) => tx.unsafe(`select count(*)::int as n from public.${t}`));
      expect(n, t).toBeGreaterThan(0);
      const [{ n: none }] = await asUser(stranger, (tx) => tx.unsafe(`select count(*)::int as n from public.${t}`));
      expect(none, t).toBe(0);
      await expect(asAnon((tx) => tx.unsafe(`select count(*) from public.${t}`)), t).rejects.toThrow(/permission denied/);
    }
  });

  it("nobody writes them directly, not even an admin", async () => {
    const admin = await createUser("admin");
    for (const t of TABLES) {
      await expect(asUser(admin, (tx) => tx.unsafe(`delete from public.${t}`)), t).rejects.toThrow(/permission denied/);
      await expect(asUser(admin, (tx) => tx.unsafe(`update public.${t} set workspace_id = workspace_id`)), t).rejects.toThrow(/permission denied/);
    }
    await expect(asUser(admin, (tx) => tx`insert into public.performance_metrics (time, workspace_id, migration_id, variant, metric, value)
      values (now(), ${workspaces[0]}, ${migrationId}, 'new', 'latency_ms', 1)`)).rejects.toThrow(/permission denied/);
  });
});

describe("raw-sample retention", () => {
  it("prune_raw_metrics drops old raw samples and keeps their rollups", async () => {
    const old = Date.now() - 20 * 86_400_000;
    await store(workspaces[0], "quality", "old", [0.5, 0.7], [old, old + 1000]);
    const [before] = await db()`select count(*)::int as n from public.performance_metrics where workspace_id = ${workspaces[0]} and metric = 'quality'`;
    expect(before.n).toBe(2);
    await expect(asAnon((tx) => tx`select public.prune_raw_metrics('14 days')`)).rejects.toThrow(/permission denied/);
    const [{ deleted }] = await db()`select public.prune_raw_metrics('14 days') as deleted`;
    expect(Number(deleted)).toBeGreaterThanOrEqual(2);
    const [after] = await db()`select count(*)::int as n from public.performance_metrics where workspace_id = ${workspaces[0]} and metric = 'quality'`;
    expect(after.n).toBe(0);
    const [stats] = await db()`select n, mean from public.rollup_stats(${workspaces[0]}, ${migrationId}, 'quality', 'old', ${new Date(old - 3_600_000)}, ${new Date(old + 3_600_000)})`;
    expect(Number(stats.n)).toBe(2);
    expect(stats.mean).toBeCloseTo(0.6, 9);
  });
});
