// npm run bench:otlp — OTLP data points per second (protobuf, POST /v1/metrics)
// beside the JSON path (POST /api/v1/metrics) and a raw COPY of the same rows, in
// one run, on one database of its own (fresh, migrated, seeded; TEST_SERVER_ADMIN_URL's
// server: the npm script starts an embedded one). Both handlers are the routes' own
// functions, served in this process by node:http on 127.0.0.1 (no Next.js: what is
// compared is the receivers and the storage path, not the framework).
// Knobs: CLIENTS (4), BATCHES per client (25), BATCH points per request (1000).
// Prints points/s, request latency percentiles and the ratios; asserts nothing.
import postgres from "postgres";
import { dropDatabase, freshDatabase, ingestTokenAndTargets, summary } from "./lib";

const NAME = "rc_bench_otlp";
const CLIENTS = Number(process.env.CLIENTS ?? 4);
const BATCHES = Number(process.env.BATCHES ?? 25);
const BATCH = Number(process.env.BATCH ?? 1000);
const say = (m: string) => console.log(`[bench:otlp] ${m}`);

const url = await freshDatabase(NAME);
process.env.DATABASE_URL = url;
process.env.INGEST_RATE_LIMIT_PER_SEC = "100000";
process.env.LOG_LEVEL ??= "warn";
const { handleOtlpMetrics } = await import("../lib/otlp/handler");
const { ingestMetrics } = await import("../lib/telemetry/ingest");
const { ExportRequest } = await import("../lib/otlp/proto");
const { serve } = await import("../scripts/lib/fetch-server");
const { sql: appPool } = await import("../lib/db");

const sql = postgres(url, { max: CLIENTS + 1, onnotice: () => {} });
const { raw, targets } = await ingestTokenAndTargets(sql);

// The same rows three ways: an OTLP protobuf request (gauges, one resource per
// workspace and variant, as services send them), a JSON batch, COPY lines.
interface Row { ws: string; slug: string; mig: string; variant: "old" | "new"; metric: string; value: number; ms: number }
function makeRows(seed: number): Row[] {
  const now = Date.now();
  return Array.from({ length: BATCH }, (_, i) => {
    const t = targets[(seed * 7 + i) % targets.length];
    const metric = ["latency_ms", "error", "success"][i % 3];
    const value = metric === "latency_ms" ? Math.round(Math.exp(5 + Math.random() * 0.8) * 10) / 10 : Math.random() < 0.01 ? 1 : 0;
    return { ws: t.ws, slug: t.slug, mig: t.mig, variant: i % 2 ? "new" : "old", metric, value, ms: now - Math.floor(Math.random() * 5_000) };
  });
}
const kv = (key: string, v: string) => ({ key, value: { stringValue: v } });
function otlpBody(rows: Row[]): Uint8Array {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const k = `${r.slug}|${r.variant}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  const resourceMetrics = [...groups.values()].map((g) => ({
    resource: { attributes: [kv("rollout.workspace", g[0].slug), kv("rollout.migration", "lead-centric"), kv("rollout.variant", g[0].variant), kv("service.name", "bench")] },
    scopeMetrics: [{ scope: { name: "bench" }, metrics: ["latency_ms", "error", "success"].map((name) => ({
      name, unit: name === "latency_ms" ? "ms" : "1",
      gauge: { dataPoints: g.filter((r) => r.metric === name).map((r) => ({ timeUnixNano: String(BigInt(r.ms) * 1_000_000n), asDouble: r.value })) },
    })).filter((m) => m.gauge.dataPoints.length) }],
  }));
  return ExportRequest.encode(ExportRequest.fromObject({ resourceMetrics })).finish();
}
const jsonBody = (rows: Row[]) => JSON.stringify(rows.map((r) => ({ workspace: r.slug, migration: "lead-centric", variant: r.variant, metric: r.metric, value: r.value, time: r.ms })));

const work = Array.from({ length: CLIENTS }, (_, c) => Array.from({ length: BATCHES }, (_, b) => makeRows(c * BATCHES + b)));
const bodies = work.map((list) => list.map((rows) => ({ otlp: otlpBody(rows), json: jsonBody(rows), rows })));
const total = CLIENTS * BATCHES * BATCH;

const server = await serve(async (req) => (new URL(req.url).pathname === "/v1/metrics" ? handleOtlpMetrics(req) : ingestMetrics(req)));
try {
  const post = async (path: string, type: string, body: BodyInit) => {
    const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${raw}`, "content-type": type }, body });
    const text = Buffer.from(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}: ${text.toString()}`);
    if (path === "/v1/metrics" && text.length) throw new Error(`partial success: ${text.toString("hex")}`);
  };
  const run = async (label: string, send: (b: (typeof bodies)[0][0]) => Promise<void>) => {
    for (const b of bodies[0].slice(0, 3)) await send(b); // warm-up (also stored)
    const latencies: number[] = [];
    const t0 = performance.now();
    await Promise.all(bodies.map(async (list) => {
      for (const b of list) {
        const t = performance.now();
        await send(b);
        latencies.push(performance.now() - t);
      }
    }));
    const seconds = (performance.now() - t0) / 1000;
    say(`${label}: ${total.toLocaleString("en")} points from ${CLIENTS} clients in ${seconds.toFixed(2)} s = ${Math.round(total / seconds).toLocaleString("en")} points/s; request (${BATCH} points) ${summary(latencies)}`);
    return total / seconds;
  };
  const otlp = await run("OTLP protobuf /v1/metrics", (b) => post("/v1/metrics", "application/x-protobuf", b.otlp as BodyInit));
  const json = await run("JSON /api/v1/metrics     ", (b) => post("/api/v1/metrics", "application/json", b.json));
  const copy = await run("raw COPY, same rows       ", async (b) => {
    const stream = await sql`copy public.performance_metrics (time, workspace_id, migration_id, variant, metric, value) from stdin`.writable();
    await new Promise<void>((resolve, reject) => {
      stream.once("finish", resolve);
      stream.once("error", reject);
      stream.end(b.rows.map((r) => `${new Date(r.ms).toISOString()}\t${r.ws}\t${r.mig}\t${r.variant}\t${r.metric}\t${r.value}\n`).join(""));
    });
  });
  say(`OTLP / JSON = ${(otlp / json).toFixed(2)}; OTLP / COPY = ${(otlp / copy).toFixed(2)}; JSON / COPY = ${(json / copy).toFixed(2)}`);
} finally {
  await server.close();
  await appPool().end();
  await sql.end();
  if (process.env.KEEP_DB !== "1") await dropDatabase(NAME);
}
