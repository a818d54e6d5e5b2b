import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, createPlan, createWorkspaces, kill, killAll, say, sleep, startWorkerProcess, waitFor, type Child, type Sql } from "./harness";

// Worker processes ticking a rollout plan SIGKILLed 20 times, each while a plan_tick
// job is in its hands (a tick's transaction in flight or about to be), at a varied
// moment; a final worker finishes. Each tick is one transaction, so a killed tick
// leaves nothing behind: every workspace moves at most once per step, and the plan
// resumes and completes. Then two workers given racing tick jobs: the plan row lock
// (skip locked) lets one tick run at a time.
const cluster = new Cluster("pg-faults-plan", Number(process.env.FAULTS_PG_PORT ?? 54372) + 3);
const WORKSPACES = 40;
const KILLS = 20;

let url: string;
let sql: Sql;

beforeAll(async () => {
  await cluster.start();
  url = await cluster.database("rc_faults_plan");
  sql = postgres(url, { max: 4, onnotice: () => {} });
}, 180_000);

afterAll(async () => {
  await killAll();
  await sql?.end({ timeout: 1 }).catch(() => {});
  if (url) await cluster.drop(url);
  await cluster.stop();
}, 120_000);

const STEPS = [
  { target_stage: 1, cohort_percent: 50 },
  { target_stage: 1, cohort_percent: 100 },
  { target_stage: 2, cohort_percent: 100 },
];
const MAX_CONCURRENT = 2;

/** A running plan over WORKSPACES gate-free workspaces: 50 % then 100 % to stage 1, then 100 % to stage 2. */
async function runningPlan() {
  const mig = await createPlan(sql, 3);
  const workspaces = await createWorkspaces(sql, mig.id, WORKSPACES, 0);
  // Plans are created by admins through public.create_rollout_plan; the test writes the rows directly.
  const [plan] = await sql<{ id: string }[]>`insert into public.rollout_plans (migration_id, name, state) values (${mig.id}, 'Fault plan', 'running') returning id`;
  for (const [i, s] of STEPS.entries()) {
    await sql`insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, max_concurrent)
              values (${plan.id}, ${i}, ${s.target_stage}, 'percent', ${s.cohort_percent}, ${MAX_CONCURRENT})`;
  }
  return { mig, workspaces, plan };
}

/** The plan is done and every workspace moved exactly 0 → 1 → 2, once per step, each move in the timeline. */
async function expectCompletedOnce(migrationId: string, planId: string, workspaceIds: string[]) {
  const rows = await sql<{ stage: number; status: string }[]>`select stage, status from public.workspace_rollouts where migration_id = ${migrationId}`;
  expect(rows).toHaveLength(WORKSPACES);
  expect(rows.every((r) => r.stage === 2 && r.status === "active")).toBe(true);
  // Each workspace moved exactly 0 → 1 → 2: no move repeated, none lost.
  const transitions = await sql<{ workspace_id: string; path: string }[]>`
    select workspace_id::text, string_agg(from_stage || '>' || to_stage, ',' order by id) as path
      from public.stage_transitions where migration_id = ${migrationId} group by workspace_id`;
  expect(transitions).toHaveLength(WORKSPACES);
  expect(transitions.every((t) => t.path === "0>1,1>2")).toBe(true);
  expect(new Set(transitions.map((t) => t.workspace_id))).toEqual(new Set(workspaceIds));
  // The timeline: at most one move per workspace per step, each naming its transition.
  const [{ repeated }] = await sql<{ repeated: number }[]>`
    select count(*)::int as repeated from (
      select step, details ->> 'workspace_id' from public.plan_events
       where plan_id = ${planId} and kind = 'moved' group by 1, 2 having count(*) > 1) x`;
  expect(repeated).toBe(0);
  const [{ events, linked }] = await sql<{ events: number; linked: number }[]>`
    select count(*)::int as events,
           count(*) filter (where exists (select 1 from public.stage_transitions t where t.id = (e.details ->> 'transition_id')::bigint))::int as linked
      from public.plan_events e where e.plan_id = ${planId} and e.kind = 'moved'`;
  expect(events).toBe(WORKSPACES * 2);
  expect(linked).toBe(events);
  const [{ finished }] = await sql<{ finished: number }[]>`select count(*)::int as finished from public.plan_events where plan_id = ${planId} and kind = 'step_finished'`;
  expect(finished).toBe(STEPS.length);
}

describe("worker killed repeatedly during plan ticks", () => {
  it("moves each workspace at most once per step, and the plan resumes and completes", async () => {
    const { mig, workspaces, plan } = await runningPlan();
    // The events that queue ticks (a batch, an approval) stand in as this: one pending job per plan.
    const requestTick = () => sql`select app_private.request_plan_tick(${plan.id})`;
    const jobs = async (locked: boolean) => {
      const [{ n }] = await sql<{ n: number }[]>`select count(*)::int as n from graphile_worker.jobs
        where key = ${`plan_tick:${plan.id}`} and (locked_at is not null) = ${locked}`;
      return n;
    };
    const moves = async () => Number((await sql<{ n: number }[]>`select count(*)::int as n from public.stage_transitions where migration_id = ${mig.id}`)[0].n);

    let worker: Child | null = null;
    let inFlight = 0;
    let cut = 0;
    for (let k = 0; k < KILLS; k++) {
      worker = startWorkerProcess(url);
      const before = await moves();
      await requestTick();
      // The worker has taken the tick job: none is left waiting (it is locked, or done).
      await waitFor("the worker to take the plan_tick job", async () => (await jobs(false)) === 0, 120_000, 5);
      // A varied moment: at once, or a few milliseconds into the tick.
      await sleep((k * 11) % 60);
      if ((await jobs(true)) > 0) inFlight++;
      await kill(worker, "SIGKILL");
      worker = null;
      // Every tick moves workspaces until the plan is done: none means the kill cut the tick's transaction.
      if ((await moves()) === before) cut++;
    }
    const [mid] = await sql<{ state: string; current_step: number }[]>`select state, current_step from public.rollout_plans where id = ${plan.id}`;
    say(`killed ${KILLS} workers (${inFlight} with the tick job still in hand just before the kill, ${cut} before the tick committed); ${await moves()} moves so far, plan ${mid.state} at step ${mid.current_step + 1}`);
    expect(mid.state).toBe("running");

    worker = startWorkerProcess(url);
    await waitFor("the plan to complete", async () => {
      const [p] = await sql<{ state: string }[]>`select state from public.rollout_plans where id = ${plan.id}`;
      if (p.state === "done") return true;
      await requestTick();
      return false;
    }, 240_000, 250);
    await kill(worker);

    await expectCompletedOnce(mig.id, plan.id, workspaces.map((w) => w.id));
  }, 600_000);
});

describe("two workers ticking one plan", () => {
  it("with tick jobs racing, runs one tick of the plan at a time and moves each workspace once per step", async () => {
    const { mig, workspaces, plan } = await runningPlan();
    const workers = [startWorkerProcess(url), startWorkerProcess(url)];
    await waitFor("the plan to complete", async () => {
      const [p] = await sql<{ state: string }[]>`select state from public.rollout_plans where id = ${plan.id}`;
      if (p.state === "done") return true;
      // Jobs without a key, several at once: both workers tick the plan at the same moments.
      await sql`select graphile_worker.add_job('plan_tick', json_build_object('planId', ${plan.id}::uuid)) from generate_series(1, 4)`;
      return false;
    }, 240_000, 250);
    // Jobs still to run (a job the first test's kills interrupted max_attempts times has failed for good: the next request queues a new one).
    const left = () => sql`select id, run_at, locked_at, locked_by, attempts, max_attempts, last_error from graphile_worker.jobs
                           where task_identifier = 'plan_tick' and attempts < max_attempts order by id limit 5`;
    await waitFor("the tick jobs to finish", async () => (await left()).length === 0, 120_000, 250).catch(async (e) => {
      say(`tick jobs left: ${JSON.stringify(await left())}`);
      throw e;
    });
    for (const w of workers) expect(w.proc.exitCode, w.output()).toBeNull();
    for (const w of workers) await kill(w);
    await expectCompletedOnce(mig.id, plan.id, workspaces.map((w) => w.id));
    // One tick at a time per plan: no transaction moved more than the step allows.
    const [{ most }] = await sql<{ most: number }[]>`select coalesce(max(n), 0)::int as most from (
      select count(*) as n from public.plan_events where plan_id = ${plan.id} and kind = 'moved' group by created_at) x`;
    expect(most).toBeLessThanOrEqual(MAX_CONCURRENT);
  }, 600_000);
});
