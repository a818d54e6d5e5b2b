// npm run bench:chart — chart queries over 30 days at 10 million samples.
// Builds a database of its own (fresh, migrated, seeded) on the local Postgres
// service (BENCH_DATABASE_SERVER / TEST_DATABASE_URL), fills it with
// scripts/gen-metrics.ts (SAMPLES, default 10 000 000), then times the very
// code the chart endpoint runs (readSeries, as a viewer under RLS) for each range,
// per workspace and per migration, and rollup_stats as the stage gates call it.
// REUSE=1 keeps and reuses the filled database (name rc_bench_chart); prints figures, asserts nothing.
import postgres from "postgres";
import { readSeries, resolveScope } from "../lib/telemetry/chart-data";
import type { RangeKey } from "../lib/telemetry/ranges";
import { generateMetrics } from "../scripts/gen-metrics";
import { dbUrl, dropDatabase, freshDatabase, summary } from "./lib";

const NAME = "rc_bench_chart";
const SAMPLES = Number(process.env.SAMPLES ?? 10_000_000);
const RUNS = Number(process.env.RUNS ?? 40);

let url = dbUrl(NAME);
const reuse = process.env.REUSE === "1";
let filled = false;
if (reuse) {
  const probe = postgres(url, { max: 1, onnotice: () => {} });
  filled = await probe`select 1 from public.migrations where key = 'scale-test'`.then((r) => r.length > 0, () => false);
  await probe.end();
}
if (!filled) {
  console.log(`creating ${NAME} and generating ${SAMPLES.toLocaleString("en")} samples (takes a few minutes)…`);
  url = await freshDatabase(NAME);
  const g = await generateMetrics(url, { samples: SAMPLES, days: 30, workspaces: 24, log: () => {} });
  console.log(`generated ${g.samples.toLocaleString("en")} samples in ${g.seconds.toFixed(0)} s (${Math.round(g.samples / g.seconds).toLocaleString("en")} samples/s)`);
  const v = postgres(url, { max: 1, onnotice: () => {} });
  await v`vacuum analyze`;
  await v.end();
}

const sql = postgres(url, { max: 1, onnotice: () => {} });
const [sizes] = await sql`
  select (select count(*) from public.performance_metrics) as raw,
         (select count(*) from public.metric_rollups) as minute_rows,
         (select count(*) from public.metric_rollups_coarse) as coarse_rows,
         pg_size_pretty(pg_total_relation_size('public.performance_metrics')) as raw_size,
         pg_size_pretty(pg_total_relation_size('public.metric_rollups') + pg_total_relation_size('public.metric_rollups_coarse')) as rollup_size`;
console.log(`data: ${Number(sizes.raw).toLocaleString("en")} raw samples (${sizes.raw_size}); rollups ${Number(sizes.minute_rows).toLocaleString("en")} minute + ${Number(sizes.coarse_rows).toLocaleString("en")} coarse rows (${sizes.rollup_size})`);
const [viewer] = await sql<{ id: string }[]>`select id from auth.users where email = 'viewer@example.com'`;
const claims = JSON.stringify({ sub: viewer.id, email: "viewer@example.com", role: "authenticated", aud: "authenticated" });
const asViewer = <T>(fn: (tx: postgres.TransactionSql<Record<string, never>>) => Promise<T>) =>
  sql.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
    return fn(tx as never);
  }) as Promise<T>;

async function time(label: string, fn: () => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  console.log(`${label.padEnd(44)} ${summary(ms)}`);
}

const ws = "scale-007";
let points = 0;
for (const range of ["30d", "7d", "24h", "1h"] as RangeKey[]) {
  await time(`series ${range}, one workspace`, () => asViewer(async (tx) => {
    const r = await readSeries(tx, (await resolveScope(tx, "scale-test", ws))!, range, []);
    points = r.points.length;
  }));
  if (range === "30d") console.log(`  (${points} points per series)`);
  await time(`series ${range}, whole migration (24 workspaces)`, () => asViewer(async (tx) => readSeries(tx, (await resolveScope(tx, "scale-test", null))!, range, [])));
}
const [ids] = await sql`select w.id as ws, m.id as mig from public.workspaces w, public.migrations m where w.slug = ${ws} and m.key = 'scale-test'`;
for (const [label, hours] of [["rollup_stats p95 latency, last 1 h (gate)", 1], ["rollup_stats p95 latency, last 24 h", 24], ["rollup_stats p95 latency, last 7 d", 168]] as const) {
  await time(label, () => sql`select * from public.rollup_stats(${ids.ws}, ${ids.mig}, 'latency_ms', 'new', now() - make_interval(hours => ${hours}), now())`);
}
await sql.end();
if (!reuse && process.env.KEEP_DB !== "1") await dropDatabase(NAME);
