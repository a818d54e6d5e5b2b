// Guardrail reaction time, end to end through the real stack (production build +
// worker): 50 trials of a breaching metrics batch sent to POST /api/v1/metrics for
// a workspace at stage 3; measures when the auto-rollback transition was committed
// and when the Slack-style webhook arrived, relative to the HTTP response.
// Run: npm run build && npx tsx bench/guardrail-rollback.ts
import { createHash, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { benchDatabase, startApp, summary } from "./lib/stack";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 50);
const db = await benchDatabase("guardrail");
const { sql } = db;
const arrivals = new Map<string, number>();
const receiver = createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const at = Date.now();
    const m = /"slug":"(bench-g-[^"]+)"/.exec(body);
    if (m && req.headers["x-rollout-event"] === "auto_rollback" && !arrivals.has(m[1])) arrivals.set(m[1], at);
    res.writeHead(204).end();
  });
});
await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
const port = (receiver.address() as AddressInfo).port;
let app: Awaited<ReturnType<typeof startApp>> | undefined;
try {
  await sql`insert into public.notification_channels (name, kind, url, secret, events) values ('bench', 'webhook', ${`http://127.0.0.1:${port}/hook`}, 'bench', ${["auto_rollback"]})`;
  const token = `rc_${randomBytes(24).toString("base64url")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix) values ('bench', ${createHash("sha256").update(token).digest("hex")}, ${token.slice(0, 10)})`;
  const [mig] = await sql`select id from public.migrations where key = 'ai-pipeline'`;
  app = await startApp(db.url, { worker: true, env: { WORKER_SCHEDULE: "off" } });

  const toCommit: number[] = [];
  const toWebhook: number[] = [];
  const requestMs: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const slug = `bench-g-${t}-${randomBytes(3).toString("hex")}`;
    const [w] = await sql`insert into public.workspaces (slug, name) values (${slug}, ${slug}) returning id`;
    await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at) values (${w.id}, ${mig.id}, 3, now() - interval '1 day')`;
    const samples = [];
    for (let i = 0; i < 300; i++) {
      samples.push({ workspace: slug, migration: "ai-pipeline", variant: "old", metric: "latency_ms", value: 100 + (i % 40) });
      samples.push({ workspace: slug, migration: "ai-pipeline", variant: "new", metric: "latency_ms", value: (100 + (i % 40)) * 1.8 });
    }
    const sent = Date.now();
    const res = await fetch(`${app.baseUrl}/api/v1/metrics`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ samples }) });
    const answered = Date.now();
    if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    requestMs.push(answered - sent);
    let committedAt: number | null = null;
    for (let i = 0; i < 500 && committedAt === null; i++) {
      const [row] = await sql`select extract(epoch from created_at) * 1000 as at from public.stage_transitions where workspace_id = ${w.id} and kind = 'auto_rollback'`;
      if (row) committedAt = Number(row.at);
      else await new Promise((r) => setTimeout(r, 10));
    }
    if (committedAt === null) throw new Error(`trial ${t}: no rollback`);
    toCommit.push(committedAt - answered);
    for (let i = 0; i < 1000 && !arrivals.has(slug); i++) await new Promise((r) => setTimeout(r, 10));
    if (!arrivals.has(slug)) throw new Error(`trial ${t}: no webhook`);
    toWebhook.push(arrivals.get(slug)! - answered);
  }
  console.log(`ingest request (600 samples, evaluation included): ${summary(requestMs)}`);
  console.log(`rollback committed, relative to the HTTP response (negative = before it was sent): ${summary(toCommit)}`);
  console.log(`webhook arrived, relative to the HTTP response: ${summary(toWebhook)}`);
} finally {
  await app?.stop();
  receiver.close();
  await db.stop();
}
