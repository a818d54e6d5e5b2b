// Rollout plans: the engine (public.run_plan_tick) with a clock the test controls
// (the transaction-local setting rollout.clock_offset read by app_private.now()).
import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getPlan } from "../../app/api/v1/migrations/[key]/plan/route";
import { startWorker } from "../../lib/jobs/runner";
import {
  asAnon, asUser, closeDb, createMigration, createUser, db, enroll, storeSamples, traffic, type StageSpec, type TestUser,
} from "../helpers/db";
import { createWorkspace } from "../helpers/db";

let viewer: TestUser, operator: TestUser, operator2: TestUser, admin: TestUser, stranger: TestUser;
const channels: string[] = [];

beforeAll(async () => {
  [viewer, operator, operator2, admin, stranger] = await Promise.all([
    createUser("viewer"), createUser("operator"), createUser("operator"), createUser("admin"), createUser(null),
  ]);
});
afterAll(async () => {
  if (channels.length) await db()`update public.notification_channels set enabled = false where id = any(${channels}::uuid[])`;
  await closeDb();
});

interface Step {
  target_stage: number;
  cohort_kind: "canaries" | "workspaces" | "tier" | "percent";
  cohort_percent?: number;
  cohort_tier?: string;
  cohort_workspaces?: string[];
  bake_minutes?: number;
  max_concurrent?: number;
  failure_policy?: "hold" | "quarantine" | "rollback_step";
  approvals_required?: number;
}
interface PlanOpts { timeZone?: string; windows?: unknown[]; freezes?: unknown[]; earliestStart?: string | null }

/** A migration with `stages` gate-free stages and `n` enrolled workspaces (the first `canaries` are canaries). */
async function population(n: number, canaries = 2, stages: StageSpec[] = [{}, {}, {}]) {
  const mig = await createMigration(stages);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const ws = await createWorkspace({ canary: i < canaries });
    await enroll(ws.id, mig.id, 0, 0);
    ids.push(ws.id);
  }
  return { mig: mig.id, ids };
}

async function createPlan(user: TestUser, mig: string, steps: Step[], o: PlanOpts = {}) {
  return asUser(user, async (tx) => {
    const [{ id }] = await tx`select public.create_rollout_plan(${mig}, 'Test plan', ${tx.json(steps as never)}, ${o.timeZone ?? "UTC"},
      ${tx.json((o.windows ?? []) as never)}, ${tx.json((o.freezes ?? []) as never)}, ${o.earliestStart ?? null}::timestamptz) as id`;
    return id as string;
  });
}
async function startPlan(plan: string) {
  await asUser(admin, (tx) => tx`select public.start_rollout_plan(${plan})`);
}

interface TickResult { plans: { plan: string; state: string; step: number; moved: number; waiting?: string }[]; skipped: number }

/** One tick of the plan as the worker runs it, with the plan clock `offsetMinutes` ahead of real time. */
async function tick(plan: string, offsetMinutes: number): Promise<TickResult> {
  return db().begin(async (tx) => {
    await tx`select set_config('rollout.clock_offset', ${`${Math.round(offsetMinutes)} minutes`}, true)`;
    const [{ r }] = await tx`select public.run_plan_tick(${plan}) as r`;
    return r as TickResult;
  }) as Promise<TickResult>;
}
/** Minutes from the database's now to an absolute time. */
async function minutesUntil(iso: string) {
  const [{ m }] = await db()`select extract(epoch from (${iso}::timestamptz - now())) / 60 as m`;
  return Number(m);
}
async function planRow(plan: string) {
  const [p] = await db()`select state, current_step, halt_reason from public.rollout_plans where id = ${plan}`;
  return p as { state: string; current_step: number; halt_reason: string | null };
}
async function stages(mig: string) {
  const rows = await db()`select workspace_id, stage, status from public.workspace_rollouts where migration_id = ${mig} order by workspace_id`;
  return rows as unknown as { workspace_id: string; stage: number; status: string }[];
}
async function events(plan: string) {
  return db()`select step, kind, message, details from public.plan_events where plan_id = ${plan} order by id`;
}

const FIVE_STEPS: Step[] = [
  { target_stage: 2, cohort_kind: "canaries", bake_minutes: 60, max_concurrent: 5 },
  { target_stage: 2, cohort_kind: "percent", cohort_percent: 10, bake_minutes: 60, max_concurrent: 5 },
  { target_stage: 2, cohort_kind: "percent", cohort_percent: 25, bake_minutes: 60, max_concurrent: 5 },
  { target_stage: 2, cohort_kind: "percent", cohort_percent: 50, bake_minutes: 60, max_concurrent: 5 },
  { target_stage: 2, cohort_kind: "percent", cohort_percent: 100, bake_minutes: 60, max_concurrent: 5 },
];

describe("the plan engine", () => {
  it("takes a five-step plan over 20 workspaces to 100 % with no manual action, every move explained", async () => {
    const { mig, ids } = await population(20);
    const plan = await createPlan(admin, mig, FIVE_STEPS);
    await startPlan(plan);
    let clock = 0;
    for (let i = 0; i < 100 && (await planRow(plan)).state === "running"; i++) {
      clock += 61;
      await tick(plan, clock);
    }
    expect(await planRow(plan)).toMatchObject({ state: "done", current_step: 5 });
    const rows = await stages(mig);
    expect(rows.every((r) => r.stage === 2 && r.status === "active")).toBe(true);
    // Each workspace moved exactly 0 → 1 → 2, by the system, in the plan's name.
    const moves = await db()`select workspace_id, from_stage, to_stage, kind, actor, reason, gate_report from public.stage_transitions
                             where migration_id = ${mig} order by id`;
    expect(moves).toHaveLength(40);
    for (const id of ids) expect(moves.filter((m) => m.workspace_id === id).map((m) => `${m.from_stage}>${m.to_stage}`)).toEqual(["0>1", "1>2"]);
    expect(moves.every((m) => m.kind === "advance" && m.actor === null && /^Plan "Test plan", step [1-5] of 5$/.test(m.reason))).toBe(true);
    expect(moves.every((m) => m.gate_report.passed === true && m.gate_report.bulk === "plan")).toBe(true);
    // Canaries first: step 1's moves are the two canaries.
    const ev = await events(plan);
    const step1 = ev.filter((e) => e.kind === "moved" && e.step === 0).map((e) => e.details.workspace_id);
    expect(new Set(step1)).toEqual(new Set(ids.slice(0, 2)));
    // The timeline names the plan, step and transition of every move.
    const moved = ev.filter((e) => e.kind === "moved");
    expect(moved).toHaveLength(40);
    expect(moved.every((e) => e.details.plan === plan && typeof e.details.transition_id === "number")).toBe(true);
    expect(ev.filter((e) => e.kind === "step_finished")).toHaveLength(5);
    expect(ev.at(-1)?.kind).toBe("done");
    // Never more than max_concurrent moves per tick: checked from the ticks' own counts below.
  });

  it("never moves more than the step's max_concurrent at once and waits for the bake time", async () => {
    const { mig } = await population(10, 0, [{}, {}]);
    const plan = await createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100, bake_minutes: 30, max_concurrent: 3 }]);
    await startPlan(plan);
    // Enrolled just now: nobody has baked 30 minutes yet.
    expect((await tick(plan, 0)).plans[0].moved).toBe(0);
    expect((await tick(plan, 31)).plans[0].moved).toBe(3);
    expect((await tick(plan, 31)).plans[0].moved).toBe(3);
    expect((await stages(mig)).filter((r) => r.stage === 1)).toHaveLength(6);
  });

  it("halts at the next tick when an automatic rollback happens during step 3, and nothing else moves", async () => {
    const { mig } = await population(20);
    const channel = await db()`insert into public.notification_channels (name, kind, url, secret, events)
      values ('plan receiver', 'webhook', 'http://127.0.0.1:9/none', 'test-secret', ${["plan_halted"]}) returning id`;
    channels.push(channel[0].id);
    const plan = await createPlan(admin, mig, FIVE_STEPS);
    await startPlan(plan);
    let clock = 0;
    // Run until step 3 (index 2) has moved someone.
    for (let i = 0; i < 60; i++) {
      clock += 61;
      const r = await tick(plan, clock);
      if (r.plans[0].step === 2 && r.plans[0].moved > 0) break;
    }
    const p = await planRow(plan);
    expect(p).toMatchObject({ state: "running", current_step: 2 });
    const [victim] = await db()`select (details ->> 'workspace_id')::uuid as id from public.plan_events
                                where plan_id = ${plan} and step = 2 and kind = 'moved' order by id limit 1`;
    // The guardrail path's write: an automatic rollback of that workspace.
    await db()`select app_private.apply_transition(${victim.id}, ${mig}, 0, 'rolled_back', 'auto_rollback', 'p95 regression', '{}'::jsonb)`;
    const before = await stages(mig);
    const r = await tick(plan, clock + 500);
    expect(r.plans[0]).toMatchObject({ state: "halted", moved: 0 });
    expect(await planRow(plan)).toMatchObject({ state: "halted", halt_reason: "An automatic rollback in the cohort halted the plan." });
    expect(await stages(mig)).toEqual(before);
    // Halted plans are not ticked.
    expect((await tick(plan, clock + 5000)).plans).toHaveLength(0);
    expect(await stages(mig)).toEqual(before);
    const [d] = await db()`select event, payload from public.notification_deliveries where channel_id = ${channel[0].id}`;
    expect(d).toMatchObject({ event: "plan_halted" });
    expect(d.payload.plan.id).toBe(plan);
    expect((await events(plan)).at(-1)).toMatchObject({ kind: "halted", step: 2 });
  });

  it("halts on an open critical alert in the cohort", async () => {
    const { mig, ids } = await population(4, 1, [{}, {}, {}]);
    const plan = await createPlan(admin, mig, [
      { target_stage: 2, cohort_kind: "canaries", bake_minutes: 0, max_concurrent: 5 },
      { target_stage: 2, cohort_kind: "percent", cohort_percent: 100, bake_minutes: 0, max_concurrent: 5 },
    ]);
    await startPlan(plan);
    await tick(plan, 1);
    const [rule] = await db()`insert into public.guardrail_rules (migration_id, name, statistic, threshold, severity)
      values (${mig}, 'p95', 'p95_latency', 1.2, 'critical') returning id`;
    await db()`insert into public.performance_alerts (rule_id, workspace_id, migration_id, severity, message, stage_at_breach, evaluation)
      values (${rule.id}, ${ids[0]}, ${mig}, 'critical', 'p95 up', 1, '{}'::jsonb)`;
    const before = await stages(mig);
    const r = await tick(plan, 2);
    expect(r.plans[0].state).toBe("halted");
    expect(await stages(mig)).toEqual(before);
  });

  it("reads cohorts from a cached wave order that follows enrollments, canary flags and tiers", async () => {
    const { mig, ids } = await population(12, 2);
    const plan = await createPlan(admin, mig, [
      { target_stage: 1, cohort_kind: "canaries" },
      { target_stage: 1, cohort_kind: "tier", cohort_tier: "pro" },
      { target_stage: 1, cohort_kind: "workspaces", cohort_workspaces: ids.slice(3, 6) },
      { target_stage: 1, cohort_kind: "percent", cohort_percent: 25 },
      { target_stage: 2, cohort_kind: "percent", cohort_percent: 100 },
    ]);
    // Each step's cohort from the cache (refreshed as a tick does) against the one computed afresh.
    const compare = async () => {
      const [{ n }] = await db()`select app_private.refresh_wave_ranks(${mig}) as n`;
      const rows = await db()`
        select s.position,
               array(select c.workspace_id::text from app_private.plan_step_cohort(${mig}, s, ${n}::int) c order by c.wave_rank) as cached,
               array(select c.workspace_id::text from app_private.plan_cohort(${mig}, s) c order by c.wave_rank) as fresh
          from public.rollout_plan_steps s where s.plan_id = ${plan} order by s.position`;
      for (const r of rows) expect(r.cached, `step ${r.position}`).toEqual(r.fresh);
      return rows.map((r) => r.cached as string[]);
    };
    const first = await compare();
    expect(first[0]).toHaveLength(2);
    expect(first[3]).toHaveLength(3);

    const extra = await createWorkspace({ canary: true });
    await enroll(extra.id, mig);
    expect((await compare())[0]).toContain(extra.id);
    await db()`update public.workspaces set is_canary = false where id = ${ids[0]}`;
    await db()`update public.workspaces set tier = 'pro' where id = any(${ids.slice(6, 8)}::uuid[])`;
    const changed = await compare();
    expect(changed[0]).not.toContain(ids[0]);
    expect(new Set(changed[1])).toEqual(new Set(ids.slice(6, 8)));
    await db()`delete from public.workspace_rollouts where workspace_id = ${ids[1]} and migration_id = ${mig}`;
    expect((await compare())[4]).toHaveLength(12);
  });
});

describe("time rules and approvals", () => {
  // 2030-01-07 is a Monday.
  const WEEKDAYS = [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "17:00" }];
  const one: Step[] = [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100, bake_minutes: 0, max_concurrent: 50 }];

  it("moves only inside the allowed windows, in the plan's time zone, and says when the next one opens", async () => {
    const { mig } = await population(3, 0, [{}, {}]);
    const plan = await createPlan(admin, mig, one, { timeZone: "Europe/Berlin", windows: WEEKDAYS });
    await startPlan(plan);
    // Mon 08:30 Berlin = 07:30 UTC: before the window.
    let r = await tick(plan, await minutesUntil("2030-01-07T07:30:00Z"));
    expect(r.plans[0]).toMatchObject({ moved: 0, waiting: "Outside the allowed windows; the next window opens Mon 09:00 Europe/Berlin." });
    // Sat 12:00 Berlin: weekend, next opens Monday.
    r = await tick(plan, await minutesUntil("2030-01-12T11:00:00Z"));
    expect(r.plans[0]).toMatchObject({ moved: 0, waiting: "Outside the allowed windows; the next window opens Mon 09:00 Europe/Berlin." });
    // A waiting tick repeated does not repeat the timeline entry.
    const waits = (await events(plan)).filter((e) => e.kind === "waiting");
    expect(waits).toHaveLength(1);
    expect((await stages(mig)).every((s) => s.stage === 0)).toBe(true);
    // Mon 09:30 Berlin: inside.
    r = await tick(plan, await minutesUntil("2030-01-07T08:30:00Z"));
    expect(r.plans[0].moved).toBe(3);
  });

  it("moves nothing during a freeze or before the earliest start", async () => {
    const { mig } = await population(2, 0, [{}, {}]);
    const plan = await createPlan(admin, mig, one, {
      freezes: [{ from: "2030-01-07T00:00:00Z", to: "2030-01-08T00:00:00Z", reason: "Quarter-end freeze" }],
      earliestStart: "2030-01-06T12:00:00Z",
    });
    await startPlan(plan);
    let r = await tick(plan, await minutesUntil("2030-01-06T10:00:00Z"));
    expect(r.plans[0].waiting).toMatch(/^Waits for the earliest start/);
    r = await tick(plan, await minutesUntil("2030-01-07T10:00:00Z"));
    expect(r.plans[0].waiting).toBe("Frozen until Tue 08 Jan 00:00 UTC: Quarter-end freeze");
    expect((await stages(mig)).every((s) => s.stage === 0)).toBe(true);
    r = await tick(plan, await minutesUntil("2030-01-08T10:00:00Z"));
    expect(r.plans[0].moved).toBe(2);
  });

  it("waits for approvals from members other than the author; a rejection halts the plan", async () => {
    const { mig } = await population(2, 0, [{}, {}]);
    const plan = await createPlan(admin, mig, [{ ...one[0], approvals_required: 1 }]);
    await startPlan(plan);
    expect((await tick(plan, 1)).plans[0]).toMatchObject({ moved: 0, waiting: "Awaiting 1 approval(s)." });
    expect((await events(plan)).some((e) => e.kind === "approval_needed")).toBe(true);
    const decide = (u: TestUser, d: string) => asUser(u, (tx) => tx`select public.decide_rollout_plan_step(${plan}, 0, ${d}, 'looks good')`);
    await expect(decide(admin, "approve")).rejects.toThrow(/author cannot approve/);
    await expect(decide(viewer, "approve")).rejects.toThrow(/needs the operator role/);
    await expect(decide(stranger, "approve")).rejects.toThrow(/needs the operator role/);
    await decide(operator, "approve");
    expect((await tick(plan, 2)).plans[0].moved).toBe(2);

    const other = await population(2, 0, [{}, {}]);
    const plan2 = await createPlan(admin, other.mig, [{ ...one[0], approvals_required: 1 }]);
    await startPlan(plan2);
    await tick(plan2, 1);
    await asUser(operator2, (tx) => tx`select public.decide_rollout_plan_step(${plan2}, 0, 'reject', 'not on a Friday')`);
    expect(await planRow(plan2)).toMatchObject({ state: "halted" });
    expect((await tick(plan2, 2)).plans).toHaveLength(0);
    expect((await stages(other.mig)).every((s) => s.stage === 0)).toBe(true);
  });
});

describe("failures and concurrency", () => {
  it("two concurrent ticks move each workspace at most once", async () => {
    const { mig, ids } = await population(20, 0, [{}, {}]);
    const plan = await createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100, bake_minutes: 0, max_concurrent: 100 }]);
    await startPlan(plan);
    // A tick that holds the plan: a second tick meanwhile skips it.
    const held = await db().begin(async (tx) => {
      const [{ r }] = await tx`select public.run_plan_tick(${plan}) as r`;
      const other = await tick(plan, 0);
      return { first: r as TickResult, other };
    });
    expect(held.first.plans[0].moved).toBe(20);
    expect(held.other).toMatchObject({ plans: [], skipped: 1 });
    // Racing ticks, plus more later: still one transition per workspace.
    await Promise.all([tick(plan, 1), tick(plan, 1), tick(plan, 1)]);
    const t = await db()`select workspace_id, count(*)::int as n from public.stage_transitions where migration_id = ${mig} group by 1`;
    expect(t).toHaveLength(ids.length);
    expect(t.every((x) => x.n === 1)).toBe(true);
    expect(await planRow(plan)).toMatchObject({ state: "done" });
  });

  it("holds on a failed gate, or quarantines the workspace and goes on, per the step's policy", async () => {
    // Stage 1 needs 100 samples nobody has: every gate fails.
    const gated: StageSpec[] = [{}, { minSamples: 100 }];
    const hold = await population(3, 0, gated);
    const planHold = await createPlan(admin, hold.mig, [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100, max_concurrent: 3, failure_policy: "hold" }]);
    await startPlan(planHold);
    expect((await tick(planHold, 1)).plans[0].moved).toBe(0);
    expect((await tick(planHold, 2)).plans[0].moved).toBe(0);
    expect((await events(planHold)).filter((e) => e.kind === "gate_failed")).toHaveLength(1);
    expect(await planRow(planHold)).toMatchObject({ state: "running" });

    const q = await population(3, 0, gated);
    const planQ = await createPlan(admin, q.mig, [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100, max_concurrent: 3, failure_policy: "quarantine" }]);
    await startPlan(planQ);
    await tick(planQ, 1);
    expect((await stages(q.mig)).every((s) => s.status === "paused" && s.stage === 0)).toBe(true);
    expect((await events(planQ)).filter((e) => e.kind === "quarantined")).toHaveLength(3);
    await tick(planQ, 2);
    expect(await planRow(planQ)).toMatchObject({ state: "done" });
  });

  it("rolls the step back and halts under rollback_step", async () => {
    const stagesSpec: StageSpec[] = [{}, {}, { minSamples: 100 }];
    const { mig } = await population(2, 0, stagesSpec);
    const plan = await createPlan(admin, mig, [{ target_stage: 2, cohort_kind: "percent", cohort_percent: 100, max_concurrent: 5, failure_policy: "rollback_step" }]);
    await startPlan(plan);
    expect((await tick(plan, 1)).plans[0].moved).toBe(2);
    const r = await tick(plan, 2);
    expect(r.plans[0].state).toBe("halted");
    expect((await stages(mig)).every((s) => s.stage === 0)).toBe(true);
    const kinds = await db()`select kind from public.stage_transitions where migration_id = ${mig} order by id`;
    expect(kinds.map((k) => k.kind)).toEqual(["advance", "advance", "rollback", "rollback"]);
  });
});

describe("who may do what", () => {
  it("refuses each plan command to the roles below it and to anonymous callers", async () => {
    const { mig } = await population(1, 0, [{}, {}]);
    const steps: Step[] = [{ target_stage: 1, cohort_kind: "canaries" }];
    for (const u of [viewer, operator, stranger]) {
      await expect(createPlan(u, mig, steps)).rejects.toThrow(/creating a rollout plan needs the admin role/);
      await expect(asUser(u, (tx) => tx`select public.create_rollout_plan_from_template(${mig}, 'canary_percent')`)).rejects.toThrow(/needs the admin role/);
    }
    const plan = await createPlan(admin, mig, steps);
    for (const u of [viewer, operator, stranger]) {
      await expect(asUser(u, (tx) => tx`select public.start_rollout_plan(${plan})`)).rejects.toThrow(/needs the admin role/);
      await expect(asUser(u, (tx) => tx`select public.run_plan_tick(${plan})`)).rejects.toThrow(/needs the admin role/);
    }
    await startPlan(plan);
    for (const u of [viewer, stranger]) {
      await expect(asUser(u, (tx) => tx`select public.set_rollout_plan_state(${plan}, 'pause', 'x')`)).rejects.toThrow(/needs the operator role/);
      await expect(asUser(u, (tx) => tx`select public.skip_rollout_plan_step(${plan}, 0, 'not needed')`)).rejects.toThrow(/needs the operator role/);
    }
    for (const call of [
      (tx: Parameters<Parameters<typeof asAnon>[0]>[0]) => tx`select public.run_plan_tick(${plan})`,
      (tx: Parameters<Parameters<typeof asAnon>[0]>[0]) => tx`select public.set_rollout_plan_state(${plan}, 'pause', '')`,
      (tx: Parameters<Parameters<typeof asAnon>[0]>[0]) => tx`select public.decide_rollout_plan_step(${plan}, 0, 'approve', '')`,
      (tx: Parameters<Parameters<typeof asAnon>[0]>[0]) => tx`select public.create_rollout_plan_from_template(${mig}, 'weekly')`,
      (tx: Parameters<Parameters<typeof asAnon>[0]>[0]) => tx`select * from public.rollout_plans`,
      (tx: Parameters<Parameters<typeof asAnon>[0]>[0]) => tx`select * from public.plan_events`,
    ]) {
      await expect(asAnon(call)).rejects.toThrow(/permission denied/);
    }
    // Tables are read-only to members, even admins: writes go through the functions.
    await expect(asUser(admin, (tx) => tx`update public.rollout_plans set state = 'done' where id = ${plan}`)).rejects.toThrow(/permission denied/);
    await expect(asUser(admin, (tx) => tx`insert into public.plan_approvals (plan_id, step, member, decision) values (${plan}, 0, ${admin.id}, 'approve')`)).rejects.toThrow(/permission denied/);
    const seen = await asUser(viewer, (tx) => tx`select state from public.rollout_plans where id = ${plan}`);
    expect(seen).toEqual([{ state: "running" }]);
    expect(await asUser(stranger, (tx) => tx`select state from public.rollout_plans where id = ${plan}`)).toEqual([]);

    // Operators pause, resume, skip; every command is audited.
    await asUser(operator, (tx) => tx`select public.set_rollout_plan_state(${plan}, 'pause', 'lunch')`);
    await expect(asUser(operator, (tx) => tx`select public.set_rollout_plan_state(${plan}, 'pause', 'again')`)).rejects.toThrow(/Cannot pause a plan that is paused/);
    await asUser(operator, (tx) => tx`select public.set_rollout_plan_state(${plan}, 'resume', '')`);
    await expect(asUser(operator, (tx) => tx`select public.skip_rollout_plan_step(${plan}, 3, 'stale one')`)).rejects.toThrow(/Stale/);
    await asUser(operator, (tx) => tx`select public.skip_rollout_plan_step(${plan}, 0, 'no canaries here')`);
    const audit = await db()`select action from public.audit_events where target_id = ${plan} order by id`;
    expect(audit.map((a) => a.action)).toEqual(["plan.create", "plan.start", "plan.pause", "plan.resume", "plan.skip_step"]);
  });

  it("validates plans: steps, windows, time zone, one live plan per migration", async () => {
    const { mig } = await population(1, 0, [{}, {}]);
    await expect(createPlan(admin, mig, [])).rejects.toThrow(/1 to 50 steps/);
    await expect(createPlan(admin, mig, [{ target_stage: 5, cohort_kind: "canaries" }])).rejects.toThrow(/target stage must be between 1 and 1/);
    await expect(createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "percent" }])).rejects.toThrow(/Step 1: invalid step/);
    await expect(createPlan(admin, mig, [
      { target_stage: 1, cohort_kind: "percent", cohort_percent: 50 }, { target_stage: 1, cohort_kind: "percent", cohort_percent: 10 },
    ])).rejects.toThrow(/percentages only grow/);
    await expect(createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "canaries" }], { timeZone: "Mars/Olympus" })).rejects.toThrow(/Unknown time zone/);
    await expect(createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "canaries" }], { windows: [{ days: [8], from: "09:00", to: "17:00" }] })).rejects.toThrow(/A window needs/);
    await expect(createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "canaries" }], { freezes: [{ from: "2030-01-02", to: "2030-01-01" }] })).rejects.toThrow(/A freeze needs/);
    const id = await asUser(admin, async (tx) => (await tx`select public.create_rollout_plan_from_template(${mig}, 'canary_percent', 'Europe/Berlin') as id`)[0].id as string);
    const steps = await db()`select cohort_kind, cohort_percent::float as pct, target_stage from public.rollout_plan_steps where plan_id = ${id} order by position`;
    expect(steps.map((s) => s.pct ?? s.cohort_kind)).toEqual(["canaries", 1, 10, 25, 50, 100]);
    await expect(createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "canaries" }])).rejects.toThrow(/already has a plan/);
  });
});

describe("GET /api/v1/migrations/{key}/plan and the page's reader", () => {
  async function token(opts: { scopes?: string[]; workspaces?: string[] | null; revoked?: boolean } = {}) {
    const raw = `rc_${randomBytes(24).toString("hex")}`;
    const hash = createHash("sha256").update(raw).digest("hex");
    await db()`insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids, scopes, revoked_at)
      values ('plan api test', ${hash}, ${raw.slice(0, 8)}, ${opts.workspaces ?? null}, ${opts.scopes ?? ["state:read"]}, ${opts.revoked ? new Date() : null})`;
    return raw;
  }
  const call = (key: string, auth?: string) =>
    getPlan(new Request(`http://127.0.0.1/api/v1/migrations/${key}/plan`, { headers: auth ? { authorization: auth } : {} }), { params: Promise.resolve({ key }) });

  it("answers a state:read token with the plan's steps and what the current step waits for; refuses the rest", async () => {
    const { mig, ids } = await population(3, 0, [{}, {}]);
    const [{ key }] = await db()`select key from public.migrations where id = ${mig}`;
    const plan = await createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100, approvals_required: 1 }]);
    await startPlan(plan);
    await tick(plan, 1);
    const good = await token();
    const res = await call(key, `Bearer ${good}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ migration: key, plan: { id: plan, state: "running", current_step: 0, waiting_for: ["Awaiting 1 approval(s)."] } });
    expect(body.plan.steps).toMatchObject([{ status: "current", approvals_required: 1, approvals: 0 }]);
    expect(body.plan.events).toBeUndefined();

    expect((await call(key)).status).toBe(401);
    expect((await call(key, "Bearer nonsense")).status).toBe(401);
    expect((await call(key, `Bearer ${await token({ revoked: true })}`)).status).toBe(401);
    const noScope = await call(key, `Bearer ${await token({ scopes: ["metrics:write"] })}`);
    expect(noScope.status).toBe(403);
    expect((await noScope.json()).error.message).toMatch(/state:read/);
    expect((await call(key, `Bearer ${await token({ workspaces: [ids[0]] })}`)).status).toBe(403);
    expect((await call("no-such-migration", `Bearer ${good}`)).status).toBe(404);
    const other = await population(1, 0, [{}, {}]);
    const [{ key: otherKey }] = await db()`select key from public.migrations where id = ${other.mig}`;
    expect((await call(otherKey, `Bearer ${good}`)).status).toBe(404);

    // Members read it with the timeline; strangers and anonymous callers do not.
    const seen = await asUser(viewer, async (tx) => (await tx`select public.rollout_plan_status(${mig}) as r`)[0].r);
    expect(seen.events.map((e: { kind: string }) => e.kind)).toContain("approval_needed");
    await expect(asUser(stranger, (tx) => tx`select public.rollout_plan_status(${mig})`)).rejects.toThrow(/needs the viewer role/);
    await expect(asAnon((tx) => tx`select public.rollout_plan_status(${mig})`)).rejects.toThrow(/permission denied/);
  });
});

describe("the worker", () => {
  it("ticks a plan right after an approval, with no one calling the tick", async () => {
    const { mig } = await population(3, 0, [{}, {}]);
    const plan = await createPlan(admin, mig, [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100, max_concurrent: 10, approvals_required: 1 }]);
    await startPlan(plan);
    await tick(plan, 0);
    // Plan ticks only: notification jobs of other test files sharing the database stay theirs.
    const worker = await startWorker(process.env.TEST_DATABASE_URL!, { schedule: false, concurrency: 1, tasks: ["plan_tick"] });
    try {
      await asUser(operator, (tx) => tx`select public.decide_rollout_plan_step(${plan}, 0, 'approve', 'go')`);
      await expect.poll(async () => (await stages(mig)).filter((r) => r.stage === 1).length, { timeout: 120_000, interval: 200 }).toBe(3);
    } finally {
      await worker.stop();
    }
  });

  it("ticks a plan when a telemetry batch may have made a waiting workspace's gate pass; a flood of batches queues one job", async () => {
    const mig = await createMigration([{}, { minSamples: 20 }]);
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 0, 10);
    const plan = await createPlan(admin, mig.id, [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100, max_concurrent: 10 }]);
    // A plan whose step covers canaries only: a batch of a workspace outside it queues nothing.
    const other = await createMigration([{}, {}]);
    await enroll(ws.id, other.id, 0, 10);
    const otherPlan = await createPlan(admin, other.id, [{ target_stage: 1, cohort_kind: "canaries", max_concurrent: 10 }]);
    await startPlan(plan);
    await startPlan(otherPlan);
    await tick(plan, 0);
    await tick(otherPlan, 0);
    expect((await stages(mig.id))[0].stage).toBe(0); // no samples yet: the gate holds the step
    const jobs = async (p: string) =>
      Number((await db()`select count(*)::int as n from graphile_worker.jobs where key = ${`plan_tick:${p}`}`)[0].n);
    await db()`select graphile_worker.remove_job(${`plan_tick:${plan}`})`;
    await db()`select graphile_worker.remove_job(${`plan_tick:${otherPlan}`})`;

    await storeSamples(ws.id, mig.id, traffic(25).map((x) => ({ ...x, ago: 1 })));
    for (let i = 0; i < 10; i++) await db()`select public.after_telemetry_batch(${[ws.id]}::uuid[], ${[mig.id, other.id]}::uuid[])`;
    expect(await jobs(plan)).toBe(1);
    expect(await jobs(otherPlan)).toBe(0);

    const worker = await startWorker(process.env.TEST_DATABASE_URL!, { schedule: false, concurrency: 1, tasks: ["plan_tick"] });
    try {
      await expect.poll(async () => (await stages(mig.id))[0].stage, { timeout: 120_000, interval: 200 }).toBe(1);
    } finally {
      await worker.stop();
    }
  });
});
