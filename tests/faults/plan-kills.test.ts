import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Cluster, createPlan, createWorkspaces, kill, killAll, say, sleep, startWorkerProcess, waitFor, type Child, type Sql } from "./harness";

// Worker processes ticking a rollout plan SIGKILLed 20 times, each while a plan_tick
// job is in its hands (a tick's transaction in flight or about to be), at a varied
// moment; a final worker finishes. Each tick is one transaction, so a killed tick
// leaves nothing behind: every workspace moves at most once per step, and the plan
// resumes and completes.
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

describe("worker killed repeatedly during plan ticks", () => {
  it("moves each workspace at most once per step, and the plan resumes and completes", async () => {
    const mig = await createPlan(sql, 3);
    const workspaces = await createWorkspaces(sql, mig.id, WORKSPACES, 0);
    // Plans are created by admins through public.create_rollout_plan; the test writes the rows directly.
    const [plan] = await sql<{ id: string }[]>`insert into public.rollout_plans (migration_id, name, state) values (${mig.id}, 'Fault plan', 'running') returning id`;
    const steps = [
      { target_stage: 1, cohort_percent: 50 },
      { target_stage: 1, cohort_percent: 100 },
      { target_stage: 2, cohort_percent: 100 },
    ];
    for (const [i, s] of steps.entries()) {
      await sql`insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, max_concurrent)
                values (${plan.id}, ${i}, ${s.target_stage}, 'percent', ${s.cohort_percent}, 2)`;
    }
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
      // Every tick moves two workspaces until the plan is done: none means the kill cut the tick's transaction.
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

    const rows = await sql<{ stage: number; status: string }[]>`select stage, status from public.workspace_rollouts where migration_id = ${mig.id}`;
    expect(rows).toHaveLength(WORKSPACES);
    expect(rows.every((r) => r.stage === 2 && r.status === "active")).toBe(true);
    // Each workspace moved exactly 0 → 1 → 2: no move repeated, none lost.
    const transitions = await sql<{ workspace_id: string; path: string }[]>`
      select workspace_id::text, string_agg(from_stage || '>' || to_stage, ',' order by id) as path
        from public.stage_transitions where migration_id = ${mig.id} group by workspace_id`;
    expect(transitions).toHaveLength(WORKSPACES);
    expect(transitions.every((t) => t.path === "0>1,1>2")).toBe(true);
    expect(new Set(transitions.map((t) => t.workspace_id))).toEqual(new Set(workspaces.map((w) => w.id)));
    // The timeline: at most one move per workspace per step, each naming its transition.
    const [{ repeated }] = await sql<{ repeated: number }[]>`
      select count(*)::int as repeated from (
        select step, details ->> 'workspace_id' from public.plan_events
         where plan_id = ${plan.id} and kind = 'moved' group by 1, 2 having count(*) > 1) x`;
    expect(repeated).toBe(0);
    const [{ events, linked }] = await sql<{ events: number; linked: number }[]>`
      select count(*)::int as events,
             count(*) filter (where exists (select 1 from public.stage_transitions t where t.id = (e.details ->> 'transition_id')::bigint))::int as linked
        from public.plan_events e where e.plan_id = ${plan.id} and e.kind = 'moved'`;
    expect(events).toBe(WORKSPACES * 2);
    expect(linked).toBe(events);
    const finished = await sql<{ n: number }[]>`select count(*)::int as n from public.plan_events where plan_id = ${plan.id} and kind = 'step_finished'`;
    expect(finished[0].n).toBe(steps.length);
  }, 600_000);
});
