// From a Prometheus scrape to a stored rollup: a real Prometheus (Debian package) on
// 127.0.0.1 scrapes a prom-client exporter every second; each round changes the new
// variant's value, waits (polling Prometheus) for the scrape that carries it, queues the
// source's job at once (as the per-minute schedule would at its next tick) and polls
// metric_rollups until the sample is there. Measured per round:
//   scrape → rollup: the scrape's own timestamp to the rollup row being visible;
//   job → rollup:    the job being queued to the rollup row being visible (our part).
// Baseline, same run: the JSON ingest path (POST /api/v1/metrics's handler, in process)
// from the request to its rollup row being visible.
// On the schedule, add the wait for the next tick: up to one interval (60 s by default).
// Bounded: BENCH_ROUNDS rounds (default 15). Run: npm run bench:prom-lag
import { createHash, randomBytes } from "node:crypto";
import { startWorker } from "../lib/jobs/runner";
import { promQuery, startExporter, startPrometheus, waitForSeries } from "../tests/helpers/prometheus";
import { benchDatabase, summary } from "./lib/stack";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PROM_PORT = Number(process.env.BENCH_PROM_PORT ?? 41711);
process.env.NOTIFY_ALLOWED_HOSTS = "127.0.0.1";

const db = await benchDatabase("prom_lag", { seed: false });
const { sql } = db;
process.env.DATABASE_URL = db.url;
const exporter = await startExporter();
const prom = await startPrometheus({ exporterPort: exporter.port, port: PROM_PORT, scrapeSeconds: 1 });
const worker = await startWorker(db.url, { schedule: false, tasks: ["prometheus_query"], concurrency: 2 });
const { ingestMetrics } = await import("../lib/telemetry/ingest");

try {
  const key = `bench-prom-${randomBytes(3).toString("hex")}`;
  const [mig] = await sql`insert into public.migrations (key, name) values (${key}, ${key}) returning id`;
  await sql`insert into public.migration_stages (migration_id, position, key, name) values (${mig.id}, 0, 's0', 'Stage 0'), (${mig.id}, 1, 's1', 'Stage 1')`;
  const [ws] = await sql`insert into public.workspaces (slug, name) values (${key}, ${key}) returning id`;
  await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage) values (${ws.id}, ${mig.id}, 1)`;
  const [src] = await sql`insert into public.prometheus_sources (migration_id, name, base_url, query, metric)
    values (${mig.id}, 'p95', ${prom.url}, 'app_latency_p95_ms{workspace="{{workspace}}",variant="{{variant}}"}', 'prom_p95_ms') returning id`;
  const token = `rc_${randomBytes(24).toString("hex")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix, scopes) values ('bench', ${createHash("sha256").update(token).digest("hex")}, ${token.slice(0, 8)}, ${["metrics:write"]})`;

  const rolled = async (metric: string) =>
    Number((await sql`select coalesce(sum(n), 0)::int as n from public.metric_rollups
                      where workspace_id = ${ws.id} and migration_id = ${mig.id} and metric = ${metric} and variant = 'new'`)[0].n);
  async function untilRolled(metric: string, n: number): Promise<number> {
    const end = Date.now() + 60_000;
    while ((await rolled(metric)) < n) {
      if (Date.now() > end) throw new Error(`no rollup for ${metric} after 60 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return Date.now();
  }

  exporter.latency.set({ workspace: key, variant: "old" }, 100);
  const q = `app_latency_p95_ms{workspace="${key}",variant="new"}`;
  const scrapeToRollup: number[] = [];
  const jobToRollup: number[] = [];
  const ingest: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    const value = 100 + round;
    exporter.latency.set({ workspace: key, variant: "new" }, value);
    await waitForSeries(prom.url, q, (v) => v[0] === value);
    const [t] = await promQuery(prom.url, `timestamp(${q})`);
    const scrapedMs = Number(t.value[1]) * 1000;
    const queued = Date.now();
    await sql`select graphile_worker.add_job('prometheus_query', ${sql.json({ sourceId: src.id, at: Date.now() / 1000 })}::json)`;
    const seen = await untilRolled("prom_p95_ms", round);
    scrapeToRollup.push(seen - scrapedMs);
    jobToRollup.push(seen - queued);

    // baseline: one sample through the JSON ingest handler, request → rollup visible
    const started = Date.now();
    const res = await ingestMetrics(new Request("http://127.0.0.1/api/v1/metrics", {
      method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify([{ workspace: key, migration: key, variant: "new", metric: "json_p95_ms", value }]),
    }));
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    await untilRolled("json_p95_ms", round);
    ingest.push(Date.now() - started);
  }
  const [s] = await sql`select last_status, last_counts from public.prometheus_sources where id = ${src.id}`;
  console.log(`\nPrometheus source → rollup, ${ROUNDS} rounds (scrape every 1 s; last run: ${s.last_status})`);
  console.log(`  scrape → rollup visible            ${summary(scrapeToRollup)}`);
  console.log(`  job queued → rollup visible        ${summary(jobToRollup)}`);
  console.log(`  baseline, JSON ingest → rollup     ${summary(ingest)}`);
  console.log("  on the schedule, add the wait for the next tick: up to the source's interval (60 s by default)");
} finally {
  await worker.stop();
  await prom.stop();
  await exporter.close();
  await db.stop();
  process.exit(0);
}
