// npm run bench:state — GET /api/v1/workspaces/{slug}/state against the
// production build: requests/s and latency percentiles with several concurrent
// keep-alive clients, for 304s (matching If-None-Match), 200s, and per-unit
// 200s; plus the SQL function alone, to show where the time goes.
// Bounded: each scenario stops after BENCH_SECONDS (default 8) or BENCH_MAX requests.
import http from "node:http";
import { createHash } from "node:crypto";
import { percentile, startFlagsStack } from "./flags-stack";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const MAX = Number(process.env.BENCH_MAX ?? 500_000);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? "8,32").split(",").map(Number);

const stack = await startFlagsStack();
const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const url = new URL(stack.baseUrl);

function request(path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path, agent, headers }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });
}

async function scenario(name: string, concurrency: number, next: (i: number) => { path: string; headers: Record<string, string> }, expectStatus: number) {
  // Warm up (JIT, prepared statements, pool).
  for (let i = 0; i < 200; i++) await request(next(i).path, next(i).headers);
  const latencies: number[] = [];
  let sent = 0;
  let wrong = 0;
  const deadline = performance.now() + SECONDS * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && sent < MAX) {
        const r = next(sent++);
        const t0 = performance.now();
        const status = await request(r.path, r.headers);
        latencies.push(performance.now() - t0);
        if (status !== expectStatus) wrong++;
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(28)} c=${String(concurrency).padStart(3)}  ${(latencies.length / elapsed).toFixed(0).padStart(6)} req/s  ` +
      `p50 ${percentile(latencies, 50).toFixed(2)} ms  p95 ${percentile(latencies, 95).toFixed(2)} ms  p99 ${percentile(latencies, 99).toFixed(2)} ms  ` +
      `(${latencies.length} requests${wrong ? `, ${wrong} unexpected statuses` : ""})`,
  );
}

try {
  const slug = "beta-bakery";
  const auth = { authorization: `Bearer ${stack.token}` };
  const path = `/api/v1/workspaces/${slug}/state`;
  const first = await fetch(stack.baseUrl + path, { headers: auth });
  const etag = first.headers.get("etag")!;
  console.log(`state body ${(await first.text()).length} bytes, ETag ${etag}; ${SECONDS}s per scenario`);

  for (const c of CONCURRENCY) {
    // Floors for comparison: the framework with no database call (refused before
    // any query), and the health route (one trivial transaction).
    await scenario("floor: 401 before any SQL", c, () => ({ path, headers: { authorization: "Bearer nope" } }), 401);
    await scenario("floor: /api/health", c, () => ({ path: "/api/health", headers: {} }), 200);
    await scenario("304 (If-None-Match)", c, () => ({ path, headers: { ...auth, "if-none-match": etag } }), 304);
    await scenario("200 (workspace)", c, () => ({ path, headers: auth }), 200);
    await scenario("200 (?unit=, 10k units)", c, (i) => ({ path: `${path}?unit=user-${i % 10_000}`, headers: auth }), 200);
  }

  // The database side alone: the one SQL call each request makes.
  const hash = createHash("sha256").update(stack.token).digest("hex");
  for (const c of [4, 16]) {
    const lat: number[] = [];
    const deadline = performance.now() + Math.min(SECONDS, 5) * 1000;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: c }, async () => {
        while (performance.now() < deadline && lat.length < MAX) {
          const t0 = performance.now();
          await stack.sql`select status, etag, body, message from public.workspace_state(${hash}, ${slug}, ${null}, ${stack.sql.array([etag])}::text[])`;
          lat.push(performance.now() - t0);
        }
      }),
    );
    lat.sort((a, b) => a - b);
    const rate = lat.length / ((performance.now() - start) / 1000);
    console.log(`${"SQL workspace_state → 304".padEnd(28)} c=${String(c).padStart(3)}  ${rate.toFixed(0).padStart(6)} calls/s  p50 ${percentile(lat, 50).toFixed(2)} ms  p95 ${percentile(lat, 95).toFixed(2)} ms (pool of 4)`);
  }
} finally {
  agent.destroy();
  await stack.stop();
}
