// From "a workspace's gate passes" to "it has moved", through the real stack
// (production build + worker with its schedule): a running plan waits on a workspace
// whose next stage needs 100 samples per variant; one metrics batch to
// POST /api/v1/metrics brings them. Measures, from the HTTP response (the batch is
// committed) to the workspace's stage changing (polled every 10 ms):
//   with the batch hook: the ingest's after_telemetry_batch queues a plan_tick job;
//   baseline, same run: after_telemetry_batch as it was before (guardrails only),
//     so only the worker's per-minute schedule ticks the plan. Those trials run side
//     by side, their batches 3 s apart over a minute.
// Target: p95 ≤ 5 s. Run: npm run build && npm run bench:plan-latency
import { createHash, randomBytes } from "node:crypto";
import { benchDatabase, startApp, summary } from "./lib/stack";

const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
const db = await benchDatabase("plan_latency", { seed: false });
const { sql } = db;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let app: Awaited<ReturnType<typeof startApp>> | undefined;
try {
  const token = `rc_${randomBytes(24).toString("base64url")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix) values ('bench', ${createHash("sha256").update(token).digest("hex")}, ${token.slice(0, 10)})`;
  app = await startApp(db.url, { worker: true });
  const baseUrl = app.baseUrl;

  /** A migration whose stage 1 needs 100 samples per variant, one workspace at stage 0, a running plan waiting on its gate. */
  async function setUp(tag: string) {
    const key = `bench-pl-${tag}-${randomBytes(3).toString("hex")}`;
    const [mig] = await sql`insert into public.migrations (key, name) values (${key}, ${key}) returning id`;
    await sql`insert into public.migration_stages (migration_id, position, key, name) values (${mig.id}, 0, 's0', 'Stage 0')`;
    await sql`insert into public.migration_stages (migration_id, position, key, name, min_samples) values (${mig.id}, 1, 's1', 'Stage 1', 100)`;
    const [ws] = await sql`insert into public.workspaces (slug, name) values (${key}, ${key}) returning id`;
    await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at) values (${ws.id}, ${mig.id}, 0, now() - interval '10 minutes')`;
    // Plans are created by admins through public.create_rollout_plan; the bench writes the rows directly.
    const [plan] = await sql`insert into public.rollout_plans (migration_id, name, state) values (${mig.id}, 'Bench', 'running') returning id`;
    await sql`insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, max_concurrent)
              values (${plan.id}, 0, 1, 'percent', 100, 10)`;
    const [{ r }] = await sql`select public.run_plan_tick(${plan.id}) as r`;
    if (r.plans[0]?.moved !== 0) throw new Error(`${tag}: moved before its samples arrived`);
    return { key, workspaceId: ws.id as string };
  }
  async function send(key: string): Promise<number> {
    const samples = [];
    for (let i = 0; i < 120; i++) {
      samples.push({ workspace: key, migration: key, variant: "old", metric: "latency_ms", value: 100 + (i % 40) });
      samples.push({ workspace: key, migration: key, variant: "new", metric: "latency_ms", value: 100 + (i % 40) });
    }
    const res = await fetch(`${baseUrl}/api/v1/metrics`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ samples }) });
    if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
    return Date.now();
  }
  async function stage(workspaceId: string): Promise<number> {
    const [row] = await sql`select stage from public.workspace_rollouts where workspace_id = ${workspaceId}`;
    return row.stage as number;
  }

  // With the hook: one trial at a time.
  const hooked: number[] = [];
  for (let t = 0; t < TRIALS; t++) {
    const { key, workspaceId } = await setUp(`h${t}`);
    const answered = await send(key);
    let movedAt: number | null = null;
    while (movedAt === null && Date.now() - answered < 180_000) {
      if ((await stage(workspaceId)) === 1) movedAt = Date.now();
      else await sleep(10);
    }
    if (movedAt === null) throw new Error(`trial ${t}: did not move within 3 min`);
    hooked.push(movedAt - answered);
  }
  console.log(`batch that makes the gate pass → workspace moved, with the batch hook (${TRIALS} trials): ${summary(hooked)}`);

  // Baseline: the hook as it was before this change (guardrails only); the minute schedule ticks.
  await sql.unsafe(`create or replace function public.after_telemetry_batch(p_workspace_ids uuid[], p_migration_ids uuid[])
    returns void language plpgsql security definer set search_path = '' as $$
    begin
      if coalesce(cardinality(p_workspace_ids), 0) = 0 or cardinality(p_workspace_ids) > 5000 then return; end if;
      perform app_private.evaluate_guardrails(p_workspace_ids, p_migration_ids);
    end $$`);
  const trials = [];
  for (let t = 0; t < TRIALS; t++) trials.push(await setUp(`b${t}`));
  const answeredAt = new Map<string, number>();
  const movedAt = new Map<string, number>();
  const sender = (async () => {
    for (const tr of trials) {
      answeredAt.set(tr.workspaceId, await send(tr.key));
      await sleep(3000);
    }
  })();
  const started = Date.now();
  while (movedAt.size < trials.length && Date.now() - started < 240_000) {
    const rows = await sql`select workspace_id from public.workspace_rollouts
                           where workspace_id = any(${trials.map((t) => t.workspaceId)}::uuid[]) and stage = 1`;
    const now = Date.now();
    for (const r of rows) if (answeredAt.has(r.workspace_id) && !movedAt.has(r.workspace_id)) movedAt.set(r.workspace_id, now);
    await sleep(50);
  }
  await sender;
  if (movedAt.size < trials.length) throw new Error(`baseline: ${trials.length - movedAt.size} workspace(s) did not move within 4 min`);
  const baseline = trials.map((t) => movedAt.get(t.workspaceId)! - answeredAt.get(t.workspaceId)!);
  console.log(`baseline, same run: per-minute schedule only (${TRIALS} trials, polled every 50 ms): ${summary(baseline)}`);
} finally {
  await app?.stop();
  await db.stop();
}
