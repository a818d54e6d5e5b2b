import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asAnon, asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, type TestUser } from "../helpers/db";

let viewer: TestUser, operator: TestUser, admin: TestUser, stranger: TestUser;

beforeAll(async () => {
  [viewer, operator, admin, stranger] = await Promise.all([createUser("viewer"), createUser("operator"), createUser("admin"), createUser(null)]);
});
afterAll(closeDb);

const flagKey = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

/** A migration with three workspaces at stages 0–2, two flags linked to it (one already killed), stopped by an operator. */
async function stoppedMigration() {
  const mig = await createMigration([{}, {}, {}]);
  const wss = await Promise.all([createWorkspace(), createWorkspace(), createWorkspace()]);
  for (const [i, w] of wss.entries()) await enroll(w.id, mig.id, i);
  const [live] = await db()<{ id: string }[]>`select id from public.create_feature_flag(${flagKey("live")}, 'on before the stop', ${mig.id}, 1, 10000)`;
  const [dead] = await db()<{ id: string }[]>`select id from public.create_feature_flag(${flagKey("dead")}, 'killed before the stop', ${mig.id}, 1, 10000)`;
  await db()`select public.kill_feature_flag(${dead.id}, 'killed on purpose earlier')`;
  await asUser(operator, (tx) => tx`select public.emergency_stop(${mig.id}, 'checkout errors spiking')`);
  return { mig: mig.id, wss: wss.map((w) => w.id), live: live.id, dead: dead.id };
}

const resumeAs = (u: TestUser, mig: string, reason = "root cause fixed in 4.2.1") =>
  asUser(u, async (tx) => {
    const [{ r }] = await tx`select public.resume_migration(${mig}, ${reason}) as r`;
    return r as { ok: boolean; workspaces: number; flags: number };
  });

async function state(mig: string) {
  const rollouts = await db()<{ stage: number; status: string }[]>`select stage, status from public.workspace_rollouts where migration_id = ${mig}`;
  const flags = await db()<{ id: string; killed: boolean }[]>`select id, killed from public.feature_flags where migration_id = ${mig}`;
  const [{ n }] = await db()<{ n: number }[]>`select count(*)::int as n from public.stage_transitions where migration_id = ${mig}`;
  const [{ a }] = await db()<{ a: number }[]>`select count(*)::int as a from public.audit_events where action = 'migration.resume' and target_id = ${mig}`;
  return { rollouts, flags: Object.fromEntries(flags.map((f) => [f.id, f.killed])), transitions: n, resumeAudits: a };
}

describe("resume_migration", () => {
  it("is refused to anonymous, members without a role, viewers and operators, and changes nothing", async () => {
    const s = await stoppedMigration();
    const before = await state(s.mig);
    await expect(asAnon((tx) => tx`select public.resume_migration(${s.mig}, 'let me in')`)).rejects.toThrow(/permission denied/);
    for (const u of [stranger, viewer, operator]) {
      await expect(resumeAs(u, s.mig)).rejects.toMatchObject({ code: "42501", message: expect.stringMatching(/needs the admin role/) });
    }
    expect(await state(s.mig)).toEqual(before);
    expect(before.rollouts.every((r) => r.stage === 0 && r.status === "paused")).toBe(true);
  });

  it("lets an admin resume: workspaces active again at stage 0, only the flags the stop killed restored, audited", async () => {
    const s = await stoppedMigration();
    const before = await state(s.mig);
    expect(before.flags).toEqual({ [s.live]: true, [s.dead]: true });
    const r = await resumeAs(admin, s.mig);
    expect(r).toEqual({ ok: true, workspaces: 3, flags: 1 });
    const after = await state(s.mig);
    expect(after.rollouts.every((x) => x.stage === 0 && x.status === "active")).toBe(true);
    expect(after.flags).toEqual({ [s.live]: false, [s.dead]: true });
    expect(after.transitions).toBe(before.transitions + 3);
    const t = await db()`select kind, actor, reason, to_stage from public.stage_transitions where migration_id = ${s.mig} order by id desc limit 3`;
    expect(t.every((x) => x.kind === "resume" && x.actor === admin.id && x.to_stage === 0 && /^Migration resumed: root cause fixed/.test(x.reason))).toBe(true);
    const [audit] = await db()`select actor, details from public.audit_events where action = 'migration.resume' and target_id = ${s.mig}`;
    expect(audit.actor).toBe(admin.id);
    expect(audit.details).toMatchObject({ reason: "root cause fixed in 4.2.1", stop_reason: "checkout errors spiking", workspaces: 3, flags_restored: 1 });
    const [fc] = await db()`select action, actor, reason from public.flag_changes where flag_id = ${s.live} order by id desc limit 1`;
    expect(fc).toMatchObject({ action: "restore", actor: admin.id });
  });

  it("refuses a migration that is not stopped (never stopped, or already resumed) and a missing reason", async () => {
    const s = await stoppedMigration();
    await expect(resumeAs(admin, s.mig, " ")).rejects.toThrow(/needs a reason/);
    await resumeAs(admin, s.mig);
    await expect(resumeAs(admin, s.mig)).rejects.toThrow(/not stopped/);
    const fresh = await createMigration([{}, {}]);
    await expect(resumeAs(admin, fresh.id)).rejects.toThrow(/not stopped/);
    expect((await state(s.mig)).resumeAudits).toBe(1);
  });

  it("leaves a workspace that was moved after the stop where it is", async () => {
    const s = await stoppedMigration();
    await asUser(operator, (tx) => tx`select public.resume_workspace(${s.wss[0]}, ${s.mig}, 'this one checked by hand')`);
    await asUser(operator, (tx) => tx`select public.pause_workspace(${s.wss[0]}, ${s.mig}, 'held again')`);
    const r = await resumeAs(admin, s.mig);
    expect(r.workspaces).toBe(2);
    const [held] = await db()`select status from public.workspace_rollouts where workspace_id = ${s.wss[0]} and migration_id = ${s.mig}`;
    expect(held.status).toBe("paused");
  });
});
