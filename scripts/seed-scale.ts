// npm run seed:scale — a large tenant for benchmarks: 1 000 workspaces (10 canaries),
// 3 migrations, a year of stage transitions, 30 days of telemetry (10 million metric
// samples by default, heavy-tailed across workspaces like real tenants) and 50 000
// feedback items. Writes into SCALE_DATABASE_URL, or a database `rollout_scale` on
// an embedded Postgres under .data/pg-scale (port 54391), recreated on every run.
// SCALE_SAMPLES / SCALE_WORKSPACES shrink it for a quick try.
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { migrate } from "../lib/db/migrator";
import { seedDemo } from "../lib/seed/demo";
import { rng } from "../lib/seed/random";
import { BulkLoader } from "../lib/telemetry/bulk-load";
import { dropDatabase, ensureProject, ROOT, startEmbedded, withDatabase } from "./lib/embedded-db";

const WORKSPACES = Number(process.env.SCALE_WORKSPACES ?? 1000);
const SAMPLES = Number(process.env.SCALE_SAMPLES ?? 10_000_000);
const FEEDBACK = Number(process.env.SCALE_FEEDBACK ?? 50_000);
const DAY = 86_400_000;
const HOUR = 3_600_000;
const say = (m: string) => console.log(`[scale] ${m}`);

let serverUrl: string;
let stopServer = async () => {};
if (process.env.SCALE_DATABASE_URL) {
  serverUrl = withDatabase(process.env.SCALE_DATABASE_URL, "postgres");
} else {
  const pg = await startEmbedded({ dir: "pg-scale", port: Number(process.env.SCALE_PG_PORT ?? 54391), log: say });
  serverUrl = pg.adminUrl("postgres");
  stopServer = pg.stop;
}
const dbName = process.env.SCALE_DATABASE_URL ? new URL(process.env.SCALE_DATABASE_URL).pathname.slice(1) || "rollout_scale" : "rollout_scale";
await dropDatabase(serverUrl, dbName);
const url = await ensureProject(serverUrl, dbName);
const started = Date.now();
await migrate(url, { root: ROOT });
const sql = postgres(url, { max: 4, onnotice: () => {} });
const now = Date.now();
const r = rng(1000);

try {
  // Users, the two demo plans and their 24 demo workspaces (with demo telemetry).
  await seedDemo(sql as never);
  // A third plan.
  const [search] = await sql`insert into public.migrations (key, name, description)
    values ('search-v2', 'Search v2', 'New search index: shadow queries, then 25 %, then all traffic.') returning id`;
  const searchStages = ["Old index only", "Shadow queries", "25 % of queries", "All queries"];
  for (const [i, name] of searchStages.entries()) {
    await sql`insert into public.migration_stages (migration_id, position, key, name, description, min_soak_minutes, min_samples, max_error_rate, max_p95_ratio, max_open_critical_alerts)
      values (${search.id}, ${i}, ${"s" + i}, ${name}, ${name}, ${i === 0 ? 0 : 60}, ${i <= 1 ? 0 : 500}, ${i <= 1 ? null : 0.01}, ${i <= 1 ? null : 1.2}, 0)`;
  }
  const migrations = await sql<{ id: string; key: string; last: number }[]>`
    select m.id, m.key, max(s.position)::int as last from public.migrations m join public.migration_stages s on s.migration_id = m.id group by m.id`;

  // Workspaces.
  const ADJ = ["Amber", "Bright", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor", "Iron", "Juniper", "Kestrel", "Lumen", "Maple", "Nimbus", "Onyx", "Pioneer", "Quartz", "Ridge", "Summit", "Tidal"];
  const NOUN = ["Analytics", "Bakery", "Clinic", "Dental", "Energy", "Foods", "Goods", "Health", "Insurance", "Journeys", "Kitchens", "Logistics", "Media", "Networks", "Outfitters", "Partners", "Realty", "Systems", "Travel", "Ventures"];
  const TIERS = ["free", "standard", "standard", "pro", "pro", "enterprise"] as const;
  const wsRows = Array.from({ length: WORKSPACES }, (_, i) => ({
    id: randomUUID(),
    slug: `ws-${String(i + 1).padStart(4, "0")}`,
    name: `${ADJ[i % ADJ.length]} ${NOUN[Math.floor(i / ADJ.length) % NOUN.length]}${i >= 400 ? ` ${Math.floor(i / 400) + 1}` : ""}`,
    tier: TIERS[i % TIERS.length],
    is_canary: i < 10,
    created_at: new Date(now - 400 * DAY),
  }));
  for (let i = 0; i < wsRows.length; i += 500) await sql`insert into public.workspaces ${sql(wsRows.slice(i, i + 500))}`;
  say(`${wsRows.length} workspaces`);

  // A year of transitions per (workspace, migration), then the rollout it ends at.
  const [op] = await sql`select id from auth.users where email = 'operator@example.com'`;
  const transitions: Record<string, unknown>[] = [];
  const rollouts: Record<string, unknown>[] = [];
  const stageOf = new Map<string, { stage: number; history: { at: number; to: number }[] }>();
  for (const w of wsRows) {
    for (const m of migrations) {
      if (m.key !== "search-v2" && !w.is_canary && r.next() < 0.05) continue; // a few not enrolled
      let t = now - 365 * DAY + r.int(0, 60) * DAY;
      let stage = 0;
      const history = [{ at: t, to: 0 }];
      transitions.push({ workspace_id: w.id, migration_id: m.id, from_stage: 0, to_stage: 0, kind: "enroll", status_after: "active", actor: op.id, actor_email: "operator@example.com", reason: "Enrolled", created_at: new Date(t) });
      const target = w.is_canary ? m.last : Math.min(m.last, Math.floor(r.next() ** 1.3 * (m.last + 1)));
      while (stage < target && t < now - DAY) {
        t += r.int(5, 60) * DAY * (w.is_canary ? 0.3 : 1);
        if (t >= now - HOUR) break;
        const back = stage >= 2 && r.next() < 0.1;
        const to = back ? stage - 1 : stage + 1;
        transitions.push({ workspace_id: w.id, migration_id: m.id, from_stage: stage, to_stage: to, kind: back ? "rollback" : "advance", status_after: back ? "rolled_back" : "active", actor: op.id, actor_email: "operator@example.com", reason: back ? "Regression after the advance" : "Gate passed", created_at: new Date(t) });
        stage = to;
        history.push({ at: t, to });
      }
      rollouts.push({ workspace_id: w.id, migration_id: m.id, stage, status: "active", entered_at: new Date(history.at(-1)!.at), updated_at: new Date(history.at(-1)!.at), version: history.length });
      stageOf.set(`${w.id}|${m.id}`, { stage, history });
    }
  }
  for (let i = 0; i < rollouts.length; i += 1000) await sql`insert into public.workspace_rollouts ${sql(rollouts.slice(i, i + 1000))}`;
  for (let i = 0; i < transitions.length; i += 2000) await sql`insert into public.stage_transitions ${sql(transitions.slice(i, i + 2000))}`;
  say(`${rollouts.length} rollouts, ${transitions.length} transitions over a year`);

  // Telemetry: 30 days, hour by hour, heavy-tailed traffic (a few big tenants).
  const pairs = rollouts.map((x) => ({ ws: x.workspace_id as string, mig: x.migration_id as string, weight: 0 }));
  pairs.forEach((p, i) => (p.weight = 1 / Math.pow(1 + (i % WORKSPACES), 0.8)));
  const totalWeight = pairs.reduce((a, p) => a + p.weight, 0);
  const requestsPerHour = SAMPLES / 2 / (30 * 24); // two samples (latency, error) per request
  const loader = new BulkLoader(sql as never, "copy");
  const t0 = Date.now();
  const start = now - 30 * DAY - (now % HOUR);
  for (let h = 0; h < 30 * 24; h++) {
    const hourStart = start + h * HOUR;
    for (const p of pairs) {
      const expected = (requestsPerHour * p.weight) / totalWeight;
      let n = Math.floor(expected) + (r.next() < expected % 1 ? 1 : 0);
      if (n === 0) continue;
      const info = stageOf.get(`${p.ws}|${p.mig}`)!;
      let stageNow = 0;
      for (const x of info.history) if (x.at <= hourStart) stageNow = x.to;
      while (n-- > 0) {
        const t = hourStart + Math.floor(r.next() * HOUR);
        const isNew = stageNow > 0 && r.next() < Math.max(0.1, stageNow / 4);
        const latency = Math.max(5, 150 * Math.exp(0.35 * r.normal()) * (isNew ? 0.95 : 1));
        loader.add(p.ws, p.mig, "latency_ms", isNew ? "new" : "old", Math.round(latency * 10) / 10, t);
        loader.add(p.ws, p.mig, "error", isNew ? "new" : "old", r.next() < 0.006 ? 1 : 0, t);
      }
    }
    // Flush whole hours (rollup buckets of every tier stay disjoint between flushes).
    if (loader.pending >= 600_000 || h === 30 * 24 - 1) {
      await loader.flush();
      say(`telemetry: ${loader.samples.toLocaleString("en-US")} samples (${Math.round(loader.samples / ((Date.now() - t0) / 1000)).toLocaleString("en-US")}/s)`);
    }
  }

  // Feedback.
  const KINDS = ["rating", "rating", "rating", "comment", "complaint", "bug"] as const;
  const fb: Record<string, unknown>[] = [];
  for (let i = 0; i < FEEDBACK; i++) {
    const p = pairs[Math.floor(r.next() ** 2 * pairs.length)];
    const kind = KINDS[r.int(0, KINDS.length - 1)];
    fb.push({
      time: new Date(now - r.next() * 30 * DAY), workspace_id: p.ws, migration_id: p.mig, stage: stageOf.get(`${p.ws}|${p.mig}`)!.stage,
      kind, rating: kind === "rating" ? r.int(1, 5) : null, message: kind === "rating" ? null : `${kind} #${i}`, source: "in-app",
      reporter: `user-${r.int(1, 50_000)}`, context: { page: "/leads" }, variant: r.next() < 0.5 ? "new" : "old",
    });
  }
  for (let i = 0; i < fb.length; i += 5000) await sql`insert into public.feedback_tracking ${sql(fb.slice(i, i + 5000))}`;
  say(`${fb.length} feedback items`);
  await sql`vacuum analyze`;
  const [{ size }] = await sql`select pg_size_pretty(pg_database_size(current_database())) as size`;
  say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s; database ${dbName} is ${size}`);
  say(`DATABASE_URL=${url}`);
} finally {
  await sql.end();
  await stopServer();
}
