import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../../lib/jobs/runner";
import { asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, storeSamples, type TestUser } from "../helpers/db";
import { promQuery, startExporter, startPrometheus, waitForSeries, type Exporter, type RunningPrometheus } from "../helpers/prometheus";

// A real Prometheus (Debian package) scraping a prom-client exporter every second, and
// a real graphile-worker that runs only the Prometheus task (other files' jobs are theirs).
// Prometheus listens on 127.0.0.1, allowed here explicitly as notification receivers are.
process.env.NOTIFY_ALLOWED_HOSTS = "127.0.0.1";
const PROM_PORT = Number(process.env.PROM_TEST_PORT ?? 41710);
const DEAD_PORT = 41719; // nothing listens here

let exporter: Exporter;
let prom: RunningPrometheus;
let worker: WorkerHandle;
let admin: TestUser;
const sources: string[] = [];

beforeAll(async () => {
  admin = await createUser("admin");
  exporter = await startExporter();
  prom = await startPrometheus({ exporterPort: exporter.port, port: PROM_PORT, scrapeSeconds: 1 });
  worker = await startWorker(process.env.TEST_DATABASE_URL!, { schedule: false, tasks: ["prometheus_query"], concurrency: 2 });
});
afterAll(async () => {
  await db()`update public.prometheus_sources set enabled = false where id = any(${sources}::uuid[])`;
  await worker?.stop();
  await prom?.stop();
  await exporter?.close();
  await closeDb();
});

const LATENCY = 'app_latency_p95_ms{workspace="{{workspace}}",variant="{{variant}}"}';

async function source(migrationId: string, o: { query?: string; metric?: string; baseUrl?: string; name?: string } = {}) {
  const [s] = await asUser(admin, (tx) => tx<{ id: string }[]>`
    insert into public.prometheus_sources (migration_id, name, base_url, query, metric, window_seconds, interval_seconds)
    values (${migrationId}, ${o.name ?? "p95"}, ${o.baseUrl ?? prom.url}, ${o.query ?? LATENCY}, ${o.metric ?? "prom_p95_ms"}, 60, 60) returning id`);
  sources.push(s.id);
  return s.id;
}

/** Queues the task for one source at one time (as the schedule does) and waits for the run to be recorded. */
async function run(sourceId: string, at: number) {
  await db()`select graphile_worker.add_job('prometheus_query', ${db().json({ sourceId, at })}::json)`;
  await expect
    .poll(async () => (await db()`select extract(epoch from last_evaluated_at)::float8 as t from public.prometheus_sources where id = ${sourceId}`)[0].t, { timeout: 60_000, interval: 100 })
    .toBeCloseTo(at, 3);
  return (await db()`select last_status, last_error, last_counts from public.prometheus_sources where id = ${sourceId}`)[0];
}

const samples = (ws: string, mig: string, metric = "prom_p95_ms") => db()<{ variant: string; value: number; time: Date }[]>`
  select variant, value, time from public.performance_metrics where workspace_id = ${ws} and migration_id = ${mig} and metric = ${metric} order by time, variant`;

/** The sample time of the series' latest scrape (seconds): queries at or after it see its value. */
async function scrapedAt(query: string): Promise<number> {
  const [s] = await promQuery(prom.url, `timestamp(${query})`);
  return Number(s.value[1]);
}

describe("a Prometheus source feeds samples, rollups and guardrails", () => {
  it("stores one sample per workspace, variant and evaluation time; a regression in new rolls the workspace back", async () => {
    const mig = await createMigration([{}, {}]);
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 1, 30);
    await db()`insert into public.guardrail_rules (name, migration_id, statistic, metric, comparison, operator, threshold, window_minutes, min_samples, severity, action)
               values ('Prometheus p95 regression', ${mig.id}, 'metric_mean', 'prom_p95_ms', 'ratio', '>', 1.5, 60, 3, 'critical', 'rollback_previous')`;
    exporter.latency.set({ workspace: ws.slug, variant: "old" }, 100);
    exporter.latency.set({ workspace: ws.slug, variant: "new" }, 105);
    const q = (v: string) => `app_latency_p95_ms{workspace="${ws.slug}",variant="${v}"}`;
    await waitForSeries(prom.url, q("new"), (v) => v[0] === 105);
    await waitForSeries(prom.url, q("old"), (v) => v[0] === 100);
    const src = await source(mig.id);

    const t0 = Math.max(await scrapedAt(q("new")), await scrapedAt(q("old")));
    for (const at of [t0, t0 + 0.25, t0 + 0.5]) expect(await run(src, at)).toMatchObject({ last_status: "ok", last_error: null });
    const stored = await samples(ws.id, mig.id);
    expect(stored.map((s) => [s.variant, s.value])).toEqual([["new", 105], ["old", 100], ["new", 105], ["old", 100], ["new", 105], ["old", 100]]);
    expect(stored[0].time.getTime() / 1000).toBeCloseTo(t0, 3);
    // the same rollups as any ingested sample
    const [roll] = await db()`select sum(n)::int as n, sum(sum)::float8 as sum from public.metric_rollups
                              where workspace_id = ${ws.id} and migration_id = ${mig.id} and metric = 'prom_p95_ms' and variant = 'new'`;
    expect(roll).toEqual({ n: 3, sum: 315 });
    const [res] = await db()`select status, samples from public.prometheus_source_results where source_id = ${src} and workspace_id = ${ws.id}`;
    expect(res).toEqual({ status: "ok", samples: 2 });

    // a re-run for a time already stored stores nothing twice
    await db()`update public.prometheus_sources set last_evaluated_at = null where id = ${src}`;
    await run(src, t0 + 0.25);
    expect(await samples(ws.id, mig.id)).toHaveLength(6);
    expect((await db()`select last_counts from public.prometheus_sources where id = ${src}`)[0].last_counts).toMatchObject({ stored: 0, with_series: 2 });

    // the new variant regresses: the guardrail (mean new/old > 1.5 over the window) rolls back
    const [before] = await db()`select stage, status from public.workspace_rollouts where workspace_id = ${ws.id} and migration_id = ${mig.id}`;
    expect(before).toEqual({ stage: 1, status: "active" });
    exporter.latency.set({ workspace: ws.slug, variant: "new" }, 400);
    await waitForSeries(prom.url, q("new"), (v) => v[0] === 400);
    const t1 = await scrapedAt(q("new"));
    for (const at of [t1, t1 + 0.25, t1 + 0.5]) await run(src, at);
    const [after] = await db()`select stage, status from public.workspace_rollouts where workspace_id = ${ws.id} and migration_id = ${mig.id}`;
    expect(after).toEqual({ stage: 0, status: "paused" });
    const [t] = await db()`select kind, actor from public.stage_transitions where workspace_id = ${ws.id} and migration_id = ${mig.id} order by id desc limit 1`;
    expect(t).toEqual({ kind: "auto_rollback", actor: null });
  });
});

describe("no data, and why — never a pass", () => {
  /** A workspace at stage 1 whose gate to stage 2 has one check on the source's metric, and healthy samples stored before. */
  async function gated(metric: string) {
    const mig = await createMigration([{}, {}, {}]);
    await db()`update public.migration_stages set checks = ${db().json([{ statistic: "metric_mean", metric, comparison: "ratio_to_old", operator: "<=", threshold: 1.5, min_samples: 3 }])}
               where migration_id = ${mig.id} and position = 2`;
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 1, 30);
    await storeSamples(ws.id, mig.id, Array.from({ length: 40 }, (_, i) => ({ variant: i % 2 ? "new" : "old", metric, value: 100 + (i % 5), ago: 120 })));
    const gate = async () => (await db()`select app_private.gate_report(${ws.id}, ${mig.id}, 2) as r`)[0].r as { passed: boolean; checks: { status: string; source_error?: string }[] };
    return { mig, ws, gate };
  }

  it("passes on healthy samples while the source is fine, and says no data once it is not", async () => {
    const { mig, ws, gate } = await gated("prom_gate_ms");
    exporter.latency.set({ workspace: ws.slug, variant: "old" }, 100);
    exporter.latency.set({ workspace: ws.slug, variant: "new" }, 101);
    const q = `app_latency_p95_ms{workspace="${ws.slug}",variant="new"}`;
    await waitForSeries(prom.url, q, (v) => v[0] === 101);
    const src = await source(mig.id, { metric: "prom_gate_ms" });
    expect((await gate()).checks[0]).toMatchObject({ status: "no_data", source_error: 'Prometheus source "p95": not queried yet' });
    const t = await scrapedAt(q);
    expect(await run(src, t)).toMatchObject({ last_status: "ok" });
    expect(await gate()).toMatchObject({ passed: true });

    // Prometheus unreachable: the same healthy samples no longer pass
    await db()`update public.prometheus_sources set base_url = ${`http://127.0.0.1:${DEAD_PORT}`} where id = ${src}`;
    const down = await run(src, t + 0.5);
    expect(down.last_status).toBe("error");
    expect(down.last_error).toContain("Prometheus unreachable: connection failed (ECONNREFUSED)");
    const g = await gate();
    expect(g.passed).toBe(false);
    expect(g.checks[0]).toMatchObject({ status: "no_data" });
    expect(g.checks[0].source_error).toContain("ECONNREFUSED");
  });

  it("an invalid query is an error with Prometheus' reason; no sample is stored", async () => {
    const { mig, ws, gate } = await gated("prom_bad_ms");
    const src = await source(mig.id, { metric: "prom_bad_ms", query: 'app_latency_p95_ms{workspace="{{workspace}}",variant="{{variant}}"' });
    const r = await run(src, Date.now() / 1000 - 1);
    expect(r.last_status).toBe("error");
    expect(r.last_error).toMatch(/invalid query: .*parse error/);
    expect(await samples(ws.id, mig.id, "prom_bad_ms")).toHaveLength(40); // only the ones stored before
    expect(await gate()).toMatchObject({ passed: false, checks: [{ status: "no_data" }] });
  });

  it("no series is no data, with the reason per workspace and variant", async () => {
    const { mig, ws, gate } = await gated("prom_none_ms");
    const src = await source(mig.id, { metric: "prom_none_ms", query: 'absent_metric_for_tests{workspace="{{workspace}}",variant="{{variant}}"}' });
    const r = await run(src, Date.now() / 1000 - 1);
    expect(r).toMatchObject({ last_status: "no_data" });
    expect(r.last_error).toContain(`${ws.slug}/old: no series`);
    const [res] = await db()`select status, reason from public.prometheus_source_results where source_id = ${src}`;
    expect(res).toEqual({ status: "no_data", reason: "old: no series; new: no series" });
    expect((await gate()).passed).toBe(false);
  });

  it("a Prometheus at an address that is not allowed is refused before any request", async () => {
    const { mig, gate } = await gated("prom_refused_ms");
    const src = await source(mig.id, { metric: "prom_refused_ms", baseUrl: `http://127.0.0.2:${PROM_PORT}` });
    const r = await run(src, Date.now() / 1000 - 1);
    expect(r.last_status).toBe("error");
    expect(r.last_error).toContain("refused: Prometheus is not at a public address");
    expect((await gate()).passed).toBe(false);
  });
});

describe("bounded cost", () => {
  it("more series than the limit refuses the query; NaN and ±Inf are never stored", async () => {
    const mig = await createMigration([{}, {}]);
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 1);
    for (let i = 0; i < 60; i++) for (const variant of ["old", "new"]) exporter.many.set({ workspace: ws.slug, variant, i: String(i) }, i);
    exporter.weird.set({ workspace: ws.slug, variant: "old" }, NaN);
    exporter.weird.set({ workspace: ws.slug, variant: "new" }, Infinity);
    await waitForSeries(prom.url, `count(app_many_series{workspace="${ws.slug}"})`, (v) => v[0] === 120);
    await waitForSeries(prom.url, `app_weird{workspace="${ws.slug}"}`, (v) => v.length === 2);

    const many = await source(mig.id, { name: "many", metric: "prom_many", query: 'app_many_series{workspace="{{workspace}}",variant="{{variant}}"}' });
    const r1 = await run(many, Date.now() / 1000);
    expect(r1.last_status).toBe("error");
    expect(r1.last_error).toContain("the query returned 60 series; at most 50 are kept per query");
    expect(await samples(ws.id, mig.id, "prom_many")).toHaveLength(0);

    const weird = await source(mig.id, { name: "weird", metric: "prom_weird", query: 'app_weird{workspace="{{workspace}}",variant="{{variant}}"}' });
    const r2 = await run(weird, Date.now() / 1000);
    expect(r2.last_status).toBe("no_data");
    expect(r2.last_error).toContain("none with a finite value");
    expect(await samples(ws.id, mig.id, "prom_weird")).toHaveLength(0);

    // 40 series per query fit under the series limit and are stored, one sample each
    const some = await source(mig.id, { name: "some", metric: "prom_some", query: 'app_many_series{workspace="{{workspace}}",variant="{{variant}}",i=~"[0-3]?[0-9]"}' });
    expect(await run(some, Date.now() / 1000)).toMatchObject({ last_status: "ok" });
    expect(await samples(ws.id, mig.id, "prom_some")).toHaveLength(80);
  });
});

describe("who may configure a source", () => {
  it("viewers and operators read sources but cannot add, change or delete one; admins can, audited", async () => {
    const mig = await createMigration([{}, {}]);
    const src = await source(mig.id, { name: "audited" });
    const [audit] = await db()`select action, actor from public.audit_events where target_type = 'prometheus_source' and target_id = ${src}`;
    expect(audit).toEqual({ action: "prometheus_source.insert", actor: admin.id });
    for (const role of ["viewer", "operator"] as const) {
      const u = await createUser(role);
      expect(await asUser(u, (tx) => tx`select id from public.prometheus_sources where id = ${src}`)).toHaveLength(1);
      await expect(asUser(u, (tx) => tx`insert into public.prometheus_sources (migration_id, name, base_url, query, metric)
        values (${mig.id}, 'x', 'http://prom.example', 'up{w="{{workspace}}",v="{{variant}}"}', 'x')`)).rejects.toThrow(/row-level security/);
      expect(await asUser(u, (tx) => tx`update public.prometheus_sources set enabled = false where id = ${src} returning id`)).toHaveLength(0);
      expect(await asUser(u, (tx) => tx`delete from public.prometheus_sources where id = ${src} returning id`)).toHaveLength(0);
    }
    // the worker's bookkeeping is not an admin's change: no audit record
    await run(src, Date.now() / 1000 - 1);
    expect(await db()`select 1 from public.audit_events where target_type = 'prometheus_source' and target_id = ${src}`).toHaveLength(1);
  });
});
