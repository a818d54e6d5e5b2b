// npm run bench:ingest — POST /api/v1/metrics against a production build, with
// several concurrent clients sending batches of 1 000, then a raw COPY of the same
// rows into the same table as the ceiling. Uses a database of its own (fresh,
// migrated, seeded) on the local Postgres service and `next build && next start`
// on 127.0.0.1 (NEXT_DIST_DIR, default .next-telemetry; SKIP_BUILD=1 reuses it).
// Knobs: CLIENTS (4), BATCHES per client (50), BATCH (1000), PORT (3171).
// Prints samples/s, batch latency percentiles and the ratio to COPY; asserts nothing.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { dropDatabase, freshDatabase, ingestTokenAndTargets, ROOT, summary } from "./lib";

const NAME = "rc_bench_ingest";
const CLIENTS = Number(process.env.CLIENTS ?? 4);
const BATCHES = Number(process.env.BATCHES ?? 50);
const BATCH = Number(process.env.BATCH ?? 1000);
const PORT = Number(process.env.PORT ?? 3171);
const DIST = process.env.NEXT_DIST_DIR ?? ".next-telemetry";
const BASE = `http://127.0.0.1:${PORT}`;
const say = (m: string) => console.log(`[bench:ingest] ${m}`);

const url = await freshDatabase(NAME);
const sql = postgres(url, { max: CLIENTS + 1, onnotice: () => {} });
const { raw, targets } = await ingestTokenAndTargets(sql);

// Pre-built request bodies (the client's JSON work is not what is measured).
interface Row { ws: string; mig: string; variant: string; metric: string; value: number; time: string }
function makeBatch(seed: number): { body: string; rows: Row[] } {
  const now = Date.now();
  const rows: Row[] = [];
  const samples = [];
  for (let i = 0; i < BATCH; i++) {
    const t = targets[(seed * 7 + i) % targets.length];
    const variant = i % 2 ? "new" : "old";
    const metric = ["latency_ms", "error", "success"][i % 3];
    const value = metric === "latency_ms" ? Math.round(Math.exp(5 + Math.random() * 0.8) * 10) / 10 : Math.random() < 0.01 ? 1 : 0;
    // A service flushing every few seconds: its samples are from the last moments.
    const time = new Date(now - Math.floor(Math.random() * 5_000)).toISOString();
    samples.push({ workspace: t.slug, migration: "lead-centric", variant, metric, value, time });
    rows.push({ ws: t.ws, mig: t.mig, variant, metric, value, time });
  }
  return { body: JSON.stringify(samples), rows };
}
const batches = Array.from({ length: CLIENTS }, (_, c) => Array.from({ length: BATCHES }, (_, b) => makeBatch(c * BATCHES + b)));
const warmup = Array.from({ length: 8 }, (_, i) => makeBatch(100_000 + i));

const bin = (n: string) => path.join(ROOT, "node_modules", ".bin", n);
const env = { ...process.env, NEXT_DIST_DIR: DIST, DATABASE_URL: url, NODE_ENV: "production" as const, AUTH_SECRET: randomBytes(32).toString("hex"), LOG_LEVEL: "warn", INGEST_RATE_LIMIT_PER_SEC: "100000" };
if (!(process.env.SKIP_BUILD === "1" && existsSync(path.join(ROOT, DIST, "BUILD_ID")))) {
  say(`building into ${DIST}…`);
  const code = await new Promise<number>((r) => spawn(bin("next"), ["build"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] }).on("exit", (c) => r(c ?? 1)));
  if (code !== 0) throw new Error("next build failed");
}
const server: ChildProcess = spawn(bin("next"), ["start", "-H", "127.0.0.1", "-p", String(PORT)], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
try {
  for (let i = 0; i < 240; i++) {
    if (await fetch(`${BASE}/api/health`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const post = async (body: string) => {
    const res = await fetch(`${BASE}/api/v1/metrics`, { method: "POST", headers: { authorization: `Bearer ${raw}`, "content-type": "application/json" }, body });
    if (res.status !== 200) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  for (const w of warmup) await post(w.body);

  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(batches.map(async (list) => {
    for (const b of list) {
      const t = performance.now();
      await post(b.body);
      latencies.push(performance.now() - t);
    }
  }));
  const httpSeconds = (performance.now() - t0) / 1000;
  const total = CLIENTS * BATCHES * BATCH;
  const httpRate = total / httpSeconds;
  const [{ n }] = await sql`select count(*)::int as n from public.performance_metrics where migration_id = ${targets[0].mig} and time > now() - interval '10 minutes'`;
  say(`HTTP ingest: ${total.toLocaleString("en")} samples from ${CLIENTS} clients in ${httpSeconds.toFixed(2)} s = ${Math.round(httpRate).toLocaleString("en")} samples/s`);
  say(`  batch latency (${BATCH} samples): ${summary(latencies)}; stored ${Number(n).toLocaleString("en")} (incl. ${warmup.length * BATCH} warm-up)`);

  // Ceiling: the same rows COPYed straight into the raw table, same concurrency,
  // one COPY per batch (no validation, no rollups, no auth).
  const copyStart = performance.now();
  await Promise.all(batches.map(async (list) => {
    for (const b of list) {
      const stream = await sql`copy public.performance_metrics (time, workspace_id, migration_id, variant, metric, value) from stdin`.writable();
      await new Promise<void>((resolve, reject) => {
        stream.once("finish", resolve);
        stream.once("error", reject);
        stream.end(b.rows.map((r) => `${r.time}\t${r.ws}\t${r.mig}\t${r.variant}\t${r.metric}\t${r.value}\n`).join(""));
      });
    }
  }));
  const copySeconds = (performance.now() - copyStart) / 1000;
  const copyRate = total / copySeconds;
  say(`COPY ceiling: ${Math.round(copyRate).toLocaleString("en")} samples/s (${copySeconds.toFixed(2)} s)`);
  say(`HTTP ingest / COPY = ${(httpRate / copyRate).toFixed(2)}`);
} finally {
  server.kill("SIGTERM");
  await sql.end();
  if (process.env.KEEP_DB !== "1") await dropDatabase(NAME);
}
