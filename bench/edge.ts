// npm run bench:edge — the edge server in one run, on this machine:
//  1. throughput with 16 keep-alive connections (autocannon, bounded by
//     BENCH_SECONDS per scenario): a bare node:http server answering a constant
//     200 (the floor), edge 304s / 200s / per-unit 200s / OFREP bulk, and the
//     existing Next route (when a production build is in NEXT_DIST_DIR, default .next);
//  2. a flag change → SSE clients (BENCH_SSE_CLIENTS, default 10, × 30 changes): p50/p95;
//  3. a kill switch → 1 000 connected SSE clients: p50/p95/max;
//  4. edge memory: at start, per 1 000 open streams, with 10 000 workspaces (RSS, and what
//     is still held after a full collection, through bench/lib/heap-probe.cjs).
// Every server is its own process; the database is a fresh one (lib/stack.ts).
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import autocannon from "autocannon";
import { ROOT } from "../scripts/lib/embedded-db";
import { benchDatabase, percentile, rssMb, startApp, type BenchApp } from "./lib/stack";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const EDGE_PORT = Number(process.env.BENCH_EDGE_PORT ?? 3162);
const FLOOR_PORT = EDGE_PORT + 1;
const NEXT_PORT = EDGE_PORT + 2;
const SSE_CLIENTS = Number(process.env.BENCH_SSE_CLIENTS ?? 10);
const KILL_CLIENTS = Number(process.env.BENCH_KILL_CLIENTS ?? 1000);
const WORKSPACES = Number(process.env.BENCH_WORKSPACES ?? 10_000);

const children: ChildProcess[] = [];
function child(args: string[], env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  const c = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: "error", ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(c);
  return new Promise((resolve, reject) => {
    let out = "";
    c.stdout!.on("data", (d) => {
      out += d;
      if (ready.test(out)) resolve(c);
    });
    c.on("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code}: ${out}`)));
  });
}

const FLOOR = `
const http = require("node:http");
http.createServer((req, res) => { res.writeHead(200, { "content-type": "application/json" }); res.end('{"ok":true}'); })
  .listen(${FLOOR_PORT}, "127.0.0.1", () => console.log("floor up"));`;

async function cannon(name: string, url: string, opts: { headers?: Record<string, string>; method?: "GET" | "POST"; body?: string; requests?: { path: string }[]; expect: number }) {
  const r = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    ...(opts.headers && { headers: opts.headers }),
    ...(opts.method && { method: opts.method }),
    ...(opts.body && { body: opts.body }),
    ...(opts.requests && { requests: opts.requests }),
  });
  const total = r.requests.total;
  const wrong = total - (r[`${Math.floor(opts.expect / 100)}xx` as "2xx"] ?? 0);
  const rate = total / (r.duration || SECONDS);
  console.log(`${name.padEnd(34)} ${rate.toFixed(0).padStart(7)} req/s  p50 ${r.latency.p50} ms  p97.5 ${r.latency.p97_5} ms  p99 ${r.latency.p99} ms${wrong > 0 || r.errors ? `  (${wrong} other statuses, ${r.errors} errors)` : ""}`);
  return rate;
}

/** Memory the edge still holds after a full collection, in MB (heap in use + buffers outside the heap), via bench/lib/heap-probe.cjs. */
function heldMemory(proc: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const timer = setTimeout(() => reject(new Error("the edge did not answer the heap probe")), 10_000);
    const onData = (d: Buffer) => {
      buf += d;
      const m = /HEAP (\{.*\})\n/.exec(buf);
      if (!m) return;
      clearTimeout(timer);
      proc.stdout!.off("data", onData);
      const h = JSON.parse(m[1]) as { heapUsed: number; external: number };
      resolve((h.heapUsed + h.external) / 1024 / 1024);
    };
    proc.stdout!.on("data", onData);
    proc.kill("SIGUSR2");
  });
}

interface SseClient {
  abort: AbortController;
  seen: (needle: string) => Promise<number>;
}

/** A streaming client that resolves `seen(needle)` with performance.now() when a chunk containing needle arrives. */
async function sseClient(url: string, token: string): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
  if (res.status !== 200) throw new Error(`stream answered ${res.status}`);
  const waiters: { needle: string; resolve: (t: number) => void }[] = [];
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let readyResolve!: () => void;
  const ready = new Promise<void>((r) => (readyResolve = r));
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const text = dec.decode(value, { stream: true });
        const now = performance.now();
        if (text.includes("event: ready")) readyResolve();
        for (let i = waiters.length - 1; i >= 0; i--)
          if (text.includes(waiters[i].needle)) {
            waiters[i].resolve(now);
            waiters.splice(i, 1);
          }
      }
    } catch {
      /* aborted */
    }
  })();
  await ready;
  return { abort, seen: (needle) => new Promise((resolve) => waiters.push({ needle, resolve })) };
}

const fmt = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `p50 ${percentile(s, 50).toFixed(1)} ms, p95 ${percentile(s, 95).toFixed(1)} ms, max ${s.at(-1)!.toFixed(1)} ms (n=${s.length})`;
};

const db = await benchDatabase("edge");
let app: BenchApp | null = null;
try {
  const token = `rc_${randomBytes(24).toString("hex")}`;
  await db.sql`insert into public.ingest_tokens (name, token_hash, prefix, scopes)
               values ('bench', ${createHash("sha256").update(token).digest("hex")}, ${token.slice(0, 8)}, ${["state:read"]})`;
  const [ws] = await db.sql<{ id: string; slug: string }[]>`select id, slug from public.workspaces order by slug limit 1`;
  const [flag] = await db.sql<{ id: string; key: string }[]>`select id, key from public.feature_flags order by key limit 1`;

  const edgeProc = await child(["--expose-gc", "--require", "./bench/lib/heap-probe.cjs", "--import", "tsx", "scripts/edge.ts"], { DATABASE_URL: db.url, EDGE_PORT: String(EDGE_PORT), EDGE_STREAMS_PER_TOKEN: String(KILL_CLIENTS + 100), EDGE_MAX_STREAMS: "50000" }, /serving/);
  await child(["-e", FLOOR], {}, /floor up/);
  const edge = `http://127.0.0.1:${EDGE_PORT}`;
  const auth = { authorization: `Bearer ${token}` };
  const statePath = `/api/v1/workspaces/${ws.slug}/state`;
  const etag = (await fetch(edge + statePath, { headers: auth })).headers.get("etag")!;
  const rssStart = rssMb(edgeProc.pid!);
  console.log(`edge: ${edge}, workspace ${ws.slug}, ${CONNECTIONS} connections, ${SECONDS} s per scenario, RSS at start ${rssStart.toFixed(0)} MB\n`);

  // 1. Throughput ------------------------------------------------------------------
  const floor = await cannon("floor: bare node:http 200", `http://127.0.0.1:${FLOOR_PORT}/`, { expect: 200 });
  const e304 = await cannon("edge 304 (If-None-Match)", edge + statePath, { headers: { ...auth, "if-none-match": etag }, expect: 304 });
  await cannon("edge 200 (workspace)", edge + statePath, { headers: auth, expect: 200 });
  await cannon("edge 200 (?unit=, 100 units)", edge, { headers: auth, requests: Array.from({ length: 100 }, (_, i) => ({ path: `${statePath}?unit=user-${i}` })), expect: 200 });
  await cannon("edge OFREP bulk 200", `${edge}/ofrep/v1/evaluate/flags`, {
    method: "POST",
    headers: { ...auth, "content-type": "application/json" },
    body: JSON.stringify({ context: { workspace: ws.slug, targetingKey: "user-1" } }),
    expect: 200,
  });
  const dist = process.env.NEXT_DIST_DIR ?? ".next";
  if (existsSync(path.join(ROOT, dist, "BUILD_ID"))) {
    app = await startApp(db.url, { port: NEXT_PORT, dist });
    const nextEtag = (await fetch(app.baseUrl + statePath, { headers: auth })).headers.get("etag")!;
    if (nextEtag !== etag) console.log(`!! Next route ETag ${nextEtag} differs from the edge's ${etag}`);
    await cannon("Next route 304 (same ETag)", app.baseUrl + statePath, { headers: { ...auth, "if-none-match": etag }, expect: 304 });
    await cannon("Next route 200", app.baseUrl + statePath, { headers: auth, expect: 200 });
    await app.stop();
    app = null;
  } else console.log(`(Next route skipped: no production build in ${dist}; run npm run build first)`);
  console.log(`\nedge 304s: ${e304.toFixed(0)} req/s = ${(e304 / floor).toFixed(2)} × the bare floor (targets: ≥ 13 000 req/s and ≥ 0.3 ×)\n`);

  // 2. Flag change → SSE clients ----------------------------------------------------------
  const streamUrl = `${edge}/api/v1/stream?workspace=${ws.slug}`;
  const clients = await Promise.all(Array.from({ length: SSE_CLIENTS }, () => sseClient(streamUrl, token)));
  const lat: number[] = [];
  let bps = 1000;
  for (let i = 0; i < 30; i++) {
    bps = bps === 1000 ? 1001 : 1000;
    const needle = `"rolloutBps": ${bps}`;
    const seen = clients.map((c) => c.seen(needle));
    const t0 = performance.now();
    await db.sql`select public.set_flag_rollout(${flag.id}, null, true, ${bps}, 'bench')`;
    for (const t of await Promise.all(seen)) lat.push(t - t0);
  }
  console.log(`flag change → ${SSE_CLIENTS} SSE clients (30 changes, from the committing call): ${fmt(lat)}`);
  for (const c of clients) c.abort.abort();

  // 3. Kill switch → 1 000 SSE clients ----------------------------------------------------------
  const rssBefore = rssMb(edgeProc.pid!);
  const heapBefore = await heldMemory(edgeProc);
  const many: SseClient[] = [];
  for (let i = 0; i < KILL_CLIENTS; i += 100) many.push(...(await Promise.all(Array.from({ length: Math.min(100, KILL_CLIENTS - i) }, () => sseClient(streamUrl, token)))));
  const rssStreams = rssMb(edgeProc.pid!);
  const heapStreams = await heldMemory(edgeProc);
  const killSeen = many.map((c) => c.seen(`"reason": "killed"`));
  const k0 = performance.now();
  await db.sql`select public.kill_feature_flag(${flag.id}, 'bench kill switch')`;
  const kill = (await Promise.all(killSeen)).map((t) => t - k0);
  console.log(`kill switch → ${KILL_CLIENTS} SSE clients: ${fmt(kill)}`);
  console.log(`edge memory held after a full collection (heap + buffers): ${heapBefore.toFixed(1)} MB → ${heapStreams.toFixed(1)} MB with ${KILL_CLIENTS} open streams = ${(((heapStreams - heapBefore) * 1000) / KILL_CLIENTS).toFixed(1)} MB per 1 000 streams (RSS ${rssBefore.toFixed(0)} → ${rssStreams.toFixed(0)} MB, which includes what the collector has not returned)`);
  for (const c of many) c.abort.abort();
  await db.sql`select public.restore_feature_flag(${flag.id}, 'bench')`;

  // 4. Memory at 10 000 workspaces ---------------------------------------------------------------
  const [mig] = await db.sql<{ id: string }[]>`select id from public.migrations order by key limit 1`;
  const w0 = performance.now();
  await db.sql`
    with w as (
      insert into public.workspaces (slug, name, tier)
      select 'bench-' || g, 'Bench workspace ' || g, 'standard' from generate_series(1, ${WORKSPACES}) g
      returning id)
    insert into public.workspace_rollouts (workspace_id, migration_id, stage) select id, ${mig.id}, 0 from w`;
  const [{ n }] = await db.sql<{ n: number }[]>`select count(*)::int as n from public.workspaces`;
  for (;;) {
    const h = (await (await fetch(`${edge}/health`)).json()) as { workspaces: number };
    if (h.workspaces >= n) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const loadMs = performance.now() - w0;
  // Let the old generation go before reading RSS.
  await new Promise((r) => setTimeout(r, 2000));
  console.log(`edge with ${n} workspaces: RSS ${rssMb(edgeProc.pid!).toFixed(0)} MB, held after a full collection ${(await heldMemory(edgeProc)).toFixed(1)} MB (inserted and loaded by NOTIFY in ${(loadMs / 1000).toFixed(1)} s)`);
  const t10k = performance.now();
  await db.sql`select public.kill_migration_flags(${mig.id}, 'bench: every workspace recompiled')`;
  const killed = `"reason": "killed"`;
  for (;;) {
    const body = await (await fetch(`${edge}/api/v1/workspaces/bench-${WORKSPACES}/state`, { headers: auth })).text();
    if (body.includes(killed) || performance.now() - t10k > 30_000) break;
    await new Promise((r) => setTimeout(r, 5));
  }
  console.log(`kill of a migration's flags at ${n} workspaces visible at the last one after ${(performance.now() - t10k).toFixed(0)} ms (polled)`);
} finally {
  if (app) await app.stop();
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  await db.stop();
}
