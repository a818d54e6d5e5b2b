import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, createPlan, createToken, createWorkspaces, kill, killAll, say, startApp, startReceiver, startWorkerProcess, waitFor, type Child, type Receiver, type Sql } from "./harness";

// Two app instances and two worker processes on one database: the same breaching
// batch arrives at both instances at once while both workers run guardrail sweeps.
const cluster = new Cluster("pg-faults-pair", Number(process.env.FAULTS_PG_PORT ?? 54372) + 2);
const PORTS = [Number(process.env.FAULTS_APP_PORT ?? 3510) + 2, Number(process.env.FAULTS_APP_PORT ?? 3510) + 3];
const ROUNDS = 3;

let url: string;
let sql: Sql;
let receiver: Receiver;
let apps: { base: string; proc: import("node:child_process").ChildProcess; output: () => string }[] = [];
let workers: Child[] = [];

beforeAll(async () => {
  await cluster.start();
  url = await cluster.database("rc_faults_pair");
  sql = postgres(url, { max: 4, onnotice: () => {} });
  receiver = await startReceiver({ delayMs: 300 });
  apps = await Promise.all(PORTS.map((p) => startApp(url, p)));
  workers = [startWorkerProcess(url), startWorkerProcess(url)];
}, 180_000);

afterAll(async () => {
  await killAll();
  await receiver?.close();
  await sql?.end({ timeout: 1 }).catch(() => {});
  if (url) await cluster.drop(url);
  await cluster.stop();
}, 120_000);

/** Fresh traffic where new is 1.6 × slower and errs 10 % (breaches both rollback rules). */
function breachingBatch(workspace: string, migration: string) {
  const now = Date.now();
  const samples = [];
  for (let i = 0; i < 300; i++) {
    const jitter = ((i * 7919) % 100) / 100;
    for (const variant of ["old", "new"] as const) {
      const f = variant === "new" ? 1.6 : 1;
      samples.push({ workspace, migration, variant, metric: "latency_ms", value: 100 * f * (0.6 + jitter * 0.8), time: now - i });
      samples.push({ workspace, migration, variant, metric: "error", value: variant === "new" && i < 30 ? 1 : 0, time: now - i });
    }
  }
  return { samples };
}

describe("two app instances and two workers on one database", () => {
  it("rolls back once, opens one alert per rule, and runs each job once at a time", async () => {
    const [ch] = await sql<{ id: string }[]>`insert into public.notification_channels (name, kind, url, secret)
      values ('fault receiver', 'webhook', ${receiver.url}, 'fault-secret') returning id`;
    const plan = await createPlan(sql, 3);
    const [ws] = await createWorkspaces(sql, plan.id, 1, 2);
    const token = await createToken(sql);
    const body = JSON.stringify(breachingBatch(ws.slug, plan.key));

    for (let round = 0; round < ROUNDS; round++) {
      // Both workers evaluate too: sweep jobs (no key, so several run at once).
      await sql`select graphile_worker.add_job('guardrail_sweep', '{}'::json) from generate_series(1, 4)`;
      const answers = await Promise.all(apps.map((a, i) =>
        fetch(`${a.base}/api/v1/metrics`, {
          method: "POST",
          headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Idempotency-Key": `pair-${round}-${i}` },
          body,
        }).then((r) => r.status),
      ));
      expect(answers).toEqual([200, 200]);
    }
    await waitFor("the sweep jobs to finish", async () => {
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'guardrail_sweep'`;
      return n === 0;
    }, 60_000, 250);

    const transitions = await sql`select kind, from_stage, to_stage from public.stage_transitions where workspace_id = ${ws.id} and migration_id = ${plan.id}`;
    expect(transitions.map((t) => ({ ...t }))).toEqual([{ kind: "auto_rollback", from_stage: 2, to_stage: 1 }]);
    const alerts = await sql<{ rule: string; n: number; breaches: number }[]>`
      select g.name as rule, count(*)::int as n, sum(a.breach_count)::int as breaches from public.performance_alerts a join public.guardrail_rules g on g.id = a.rule_id
      where a.workspace_id = ${ws.id} and a.migration_id = ${plan.id} and a.state = 'open' group by g.name order by g.name`;
    expect(alerts.length).toBeGreaterThan(0);
    expect(alerts.filter((a) => a.n !== 1)).toEqual([]);

    // Every outbox row delivered exactly once here (nothing was killed), never twice at once.
    const deliveries = await waitFor("every delivery", async () => {
      const rows = await sql<{ id: string; status: string; attempts: number }[]>`
        select id::text, status, attempts from public.notification_deliveries where channel_id = ${ch.id}`;
      return rows.length > 0 && rows.every((r) => r.status === "delivered") ? rows : null;
    }, 90_000, 250);
    expect(receiver.maxConcurrentPerDelivery()).toBe(1);
    expect(deliveries.filter((d) => d.attempts !== 1)).toEqual([]);
    expect([...receiver.got].sort()).toEqual(deliveries.map((d) => d.id).sort());
    const [{ jobs }] = await sql<{ jobs: number }[]>`select count(*)::int as jobs from graphile_worker.jobs where task_identifier = 'deliver_notification'`;
    expect(jobs).toBe(0);
    say(`alerts: ${alerts.map((a) => `${a.rule} (breaches ${a.breaches})`).join(", ")}; deliveries ${deliveries.length}, received ${receiver.got.length}`);

    for (const w of workers) await kill(w);
    for (const a of apps) expect(a.proc.exitCode, a.output()).toBeNull();
  }, 240_000);
});
