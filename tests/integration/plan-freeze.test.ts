// A live plan's freeze and the hand (supabase/schemas/plans/freeze.sql): during a
// freeze only an admin advances by hand, with a written reason; rollbacks, pauses
// and previews stay open; a freeze of another migration's plan, a freeze that has
// not begun, and an aborted plan's freeze change nothing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, type TestUser } from "../helpers/db";

let operator: TestUser, admin: TestUser;

beforeAll(async () => {
  [operator, admin] = await Promise.all([createUser("operator"), createUser("admin")]);
});
afterAll(closeDb);

const FROZEN = /Frozen until .* by plan "Freeze test" \(quarter close\): only an admin may advance by hand now, with a written reason/;

/** A migration with three gate-free stages, `n` workspaces at stage 0, and a plan in `state` whose freeze spans [from, to) minutes from now. */
async function frozenMigration(o: { n?: number; state?: string; from?: number; to?: number } = {}) {
  const mig = await createMigration([{}, {}, {}]);
  const ids: string[] = [];
  for (let i = 0; i < (o.n ?? 3); i++) {
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 0, 60);
    ids.push(ws.id);
  }
  const plan = await asUser(admin, async (tx) => {
    const freeze = await tx`select now() + make_interval(mins => ${o.from ?? -60}) as f, now() + make_interval(mins => ${o.to ?? 60}) as t`;
    const [{ id }] = await tx`select public.create_rollout_plan(${mig.id}, 'Freeze test',
      ${tx.json([{ target_stage: 2, cohort_kind: "percent", cohort_percent: 100 }] as never)}, 'Europe/Berlin', '[]'::jsonb,
      ${tx.json([{ from: freeze[0].f.toISOString(), to: freeze[0].t.toISOString(), reason: "quarter close" }] as never)}) as id`;
    return id as string;
  });
  // The plan's state as the test needs it (start/pause/abort have their own tests in plans.test.ts).
  await db()`update public.rollout_plans set state = ${o.state ?? "running"} where id = ${plan}`;
  return { mig: mig.id, ids, plan };
}

const advance = (u: TestUser, ws: string, mig: string, reason = "") =>
  asUser(u, (tx) => tx`select public.advance_workspace(${ws}, ${mig}, 0, ${reason}) as r`).then((rows) => rows[0].r as { ok: boolean });
const stageOf = async (ws: string, mig: string) =>
  (await db()`select stage from public.workspace_rollouts where workspace_id = ${ws} and migration_id = ${mig}`)[0].stage as number;

describe("a plan's freeze and manual moves", () => {
  it("refuses operators' advances, single, wave and selected, and changes nothing", async () => {
    const { mig, ids } = await frozenMigration();
    await expect(advance(operator, ids[0], mig, "a good reason to move")).rejects.toThrow(FROZEN);
    await expect(asUser(operator, (tx) => tx`select public.advance_wave(${mig}, 0, 100, null, 'day 3 of the plan')`)).rejects.toThrow(FROZEN);
    await expect(asUser(operator, (tx) => tx`select public.advance_selected(${mig}, ${ids}::uuid[], 'hand-picked')`)).rejects.toThrow(FROZEN);
    for (const ws of ids) expect(await stageOf(ws, mig)).toBe(0);
    const [{ n }] = await db()`select count(*)::int as n from public.stage_transitions where migration_id = ${mig}`;
    expect(n).toBe(0);
  });

  it("lets an admin advance with a written reason, and only with one", async () => {
    const { mig, ids } = await frozenMigration();
    await expect(advance(admin, ids[0], mig)).rejects.toThrow(FROZEN);
    await expect(advance(admin, ids[0], mig, "too short")).rejects.toThrow(FROZEN);
    expect(await advance(admin, ids[0], mig, "customer asked for it today")).toMatchObject({ ok: true });
    const [t] = await db()`select reason, actor from public.stage_transitions where migration_id = ${mig} and workspace_id = ${ids[0]}`;
    expect(t).toEqual({ reason: "customer asked for it today", actor: admin.id });
  });

  it("keeps previews, rollbacks and pauses open to operators", async () => {
    const { mig, ids } = await frozenMigration();
    const [{ r: preview }] = await asUser(operator, (tx) => tx`select public.advance_wave(${mig}, 0, 100, null, '', true) as r`);
    expect(preview.moved).toHaveLength(3);
    await db()`update public.workspace_rollouts set stage = 1 where workspace_id = ${ids[1]} and migration_id = ${mig}`;
    await asUser(operator, (tx) => tx`select public.rollback_workspace(${ids[1]}, ${mig}, 'the new system misbehaves')`);
    expect(await stageOf(ids[1], mig)).toBe(0);
    await asUser(operator, (tx) => tx`select public.pause_workspace(${ids[2]}, ${mig}, 'hold it')`);
  });

  it("changes nothing before the freeze begins, after the plan is aborted or done, or for another migration", async () => {
    const later = await frozenMigration({ from: 60, to: 120 });
    expect(await advance(operator, later.ids[0], later.mig)).toMatchObject({ ok: true });
    for (const state of ["aborted", "done", "draft"]) {
      const m = await frozenMigration({ state, n: 1 });
      expect(await advance(operator, m.ids[0], m.mig)).toMatchObject({ ok: true });
    }
    await frozenMigration({ n: 1 });
    const other = await createMigration([{}, {}]);
    const ws = await createWorkspace();
    await enroll(ws.id, other.id, 0, 60);
    expect(await advance(operator, ws.id, other.id)).toMatchObject({ ok: true });
  });

  it("applies to paused and halted plans too: their schedule still holds", async () => {
    for (const state of ["paused", "halted"]) {
      const { mig, ids } = await frozenMigration({ state, n: 1 });
      await expect(advance(operator, ids[0], mig, "a good reason to move")).rejects.toThrow(FROZEN);
    }
  });
});
