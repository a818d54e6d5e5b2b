// The plan state the overview and the workspace page read: public.rollout_plan_overview
// and public.workspace_plan_outlook. The outlook decides cohort membership from the
// workspace's own wave rank; it must agree with app_private.plan_cohort, the engine's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, type TestUser } from "../helpers/db";

let viewer: TestUser, admin: TestUser, stranger: TestUser;
beforeAll(async () => {
  [viewer, admin, stranger] = await Promise.all([createUser("viewer"), createUser("admin"), createUser(null)]);
});
afterAll(closeDb);

type Step = { target_stage: number; cohort_kind: string; cohort_percent?: number; cohort_tier?: string; approvals_required?: number };

async function arrange(n: number, steps: Step[], stages: number[] = []) {
  const mig = await createMigration([{}, {}, {}, {}]);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const ws = await createWorkspace({ canary: i < 3 });
    await enroll(ws.id, mig.id, stages[i] ?? 0, 60);
    ids.push(ws.id);
  }
  const [plan] = await db()<{ id: string }[]>`
    insert into public.rollout_plans (migration_id, name, state) values (${mig.id}, 'Outlook test', 'running') returning id`;
  for (const [i, s] of steps.entries()) {
    await db()`insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, cohort_tier, approvals_required)
      values (${plan.id}, ${i}, ${s.target_stage}, ${s.cohort_kind}, ${s.cohort_percent ?? null}, ${s.cohort_tier ?? null}, ${s.approvals_required ?? 0})`;
  }
  return { mig: mig.id, plan: plan.id, ids };
}

const outlook = (u: TestUser, ws: string) =>
  asUser(u, (tx) => tx<{ migration_id: string; move_step: number | null; move_target: number | null; quarantined: boolean; holding: boolean; paused: boolean; steps: number; state: string }[]>`
    select * from public.workspace_plan_outlook(${ws})`);

describe("plan state readers", () => {
  it("the workspace outlook names the step the engine's cohorts would move it in", async () => {
    const steps: Step[] = [
      { target_stage: 1, cohort_kind: "canaries" },
      { target_stage: 1, cohort_kind: "percent", cohort_percent: 25 },
      { target_stage: 2, cohort_kind: "percent", cohort_percent: 50 },
      { target_stage: 3, cohort_kind: "tier", cohort_tier: "standard" },
    ];
    // a few already past some targets
    const { mig, plan, ids } = await arrange(16, steps, [1, 0, 0, 2, 0, 0, 3]);
    await db()`update public.rollout_plans set current_step = 1 where id = ${plan}`;
    // The engine's answer: the first step from the current one whose cohort holds the workspace below its target.
    const cohorts: Set<string>[] = [];
    for (let i = 0; i < steps.length; i++) {
      const rows = await db()<{ workspace_id: string }[]>`
        select c.workspace_id from public.rollout_plan_steps s, app_private.plan_cohort(${mig}, s) c where s.plan_id = ${plan} and s.position = ${i}`;
      cohorts.push(new Set(rows.map((r) => r.workspace_id)));
    }
    const stages = await db()<{ workspace_id: string; stage: number }[]>`select workspace_id, stage from public.workspace_rollouts where migration_id = ${mig}`;
    const stageOf = new Map(stages.map((r) => [r.workspace_id, r.stage]));
    let moved = 0;
    for (const ws of ids) {
      const expected = [1, 2, 3].find((i) => cohorts[i].has(ws) && stageOf.get(ws)! < steps[i].target_stage) ?? null;
      const [row] = (await outlook(viewer, ws)).filter((r) => r.migration_id === mig);
      expect({ ws, step: row.move_step, target: row.move_target }).toEqual({ ws, step: expected, target: expected === null ? null : steps[expected].target_stage });
      expect(row).toMatchObject({ steps: 4, state: "running", quarantined: false, holding: false, paused: false });
      if (expected !== null) moved++;
    }
    expect(moved).toBeGreaterThan(0);
  });

  it("a quarantined workspace says so, and one whose gate failed under hold holds the step", async () => {
    const { plan, ids } = await arrange(4, [{ target_stage: 1, cohort_kind: "percent", cohort_percent: 100 }]);
    await db()`update public.workspace_rollouts set status = 'paused' where workspace_id = ${ids[0]}`;
    await db()`insert into public.plan_events (plan_id, step, kind, message, details)
      values (${plan}, 0, 'quarantined', 'q', ${db().json({ workspace_id: ids[0] })}),
             (${plan}, 0, 'gate_failed', 'held', ${db().json({ workspace_id: ids[1] })})`;
    const [q] = await outlook(viewer, ids[0]);
    expect(q).toMatchObject({ quarantined: true, paused: true, holding: false });
    const [h] = await outlook(viewer, ids[1]);
    expect(h).toMatchObject({ quarantined: false, paused: false, holding: true, move_step: 0 });
    const [plain] = await outlook(viewer, ids[2]);
    expect(plain).toMatchObject({ quarantined: false, holding: false, move_step: 0, move_target: 1 });
  });

  it("the overview line: state, step k of n, missing approvals and what the step waits for", async () => {
    const { mig, plan } = await arrange(3, [
      { target_stage: 1, cohort_kind: "canaries" },
      { target_stage: 2, cohort_kind: "percent", cohort_percent: 100, approvals_required: 1 },
    ]);
    await db()`update public.rollout_plans set current_step = 1 where id = ${plan}`;
    const read = () => asUser(viewer, (tx) => tx<{ migration_id: string; state: string; current_step: number; steps: number; target_stage: number; approvals_missing: number; waiting: string | null }[]>`
      select * from public.rollout_plan_overview() where migration_id = ${mig}`);
    expect(await read()).toEqual([expect.objectContaining({ state: "running", current_step: 1, steps: 2, target_stage: 2, approvals_missing: 1, waiting: "Awaiting 1 approval(s)." })]);
    await db()`update public.rollout_plans set state = 'halted', halt_reason = 'An automatic rollback in the cohort halted the plan.' where id = ${plan}`;
    expect(await read()).toEqual([expect.objectContaining({ state: "halted", waiting: "An automatic rollback in the cohort halted the plan." })]);
    // Members only; admins too.
    expect((await asUser(admin, (tx) => tx`select * from public.rollout_plan_overview() where migration_id = ${mig}`)).length).toBe(1);
    await expect(asUser(stranger, (tx) => tx`select * from public.rollout_plan_overview()`)).rejects.toThrow(/needs the viewer role/);
    await expect(asUser(stranger, (tx) => tx`select * from public.workspace_plan_outlook(${plan})`)).rejects.toThrow(/needs the viewer role/);
  });
});
