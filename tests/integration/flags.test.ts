import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flagBucket } from "../../lib/flags/hash";
import { asAnon, asUser, closeDb, createUser, createWorkspace, db, type TestUser, type Tx } from "../helpers/db";

// Flags in SQL: hashing parity with TypeScript, the evaluation order, every
// role on every flag function, the kill switches and the append-only history.
let viewer: TestUser, operator: TestUser, admin: TestUser, stranger: TestUser;
let leadId: string;
let killMig: string;

/** A throwaway migration with stages 0..4, so kill switches never touch the demo flags. */
async function makeMigration(): Promise<string> {
  const [m] = await db()<{ id: string }[]>`insert into public.migrations (key, name) values (${key("m").replace(/_/g, "-")}, 'Test plan') returning id`;
  for (let p = 0; p <= 4; p++) await db()`insert into public.migration_stages (migration_id, position, key, name) values (${m.id}, ${p}, ${"s" + p}, ${"Stage " + p})`;
  return m.id;
}

beforeAll(async () => {
  [viewer, operator, admin, stranger] = await Promise.all([createUser("viewer"), createUser("operator"), createUser("admin"), createUser(null)]);
  [{ id: leadId }] = await db()<{ id: string }[]>`select id from public.migrations where key = 'lead-centric'`;
  killMig = await makeMigration();
});
afterAll(closeDb);

const key = (p: string) => `${p}_${randomUUID().slice(0, 8)}`;

/** Creates a flag as the system (the service connection), enabled at `bps`. */
async function makeFlag(opts: { migration?: string; minStage?: number; bps?: number; enabled?: boolean } = {}) {
  const [f] = await db()<{ id: string; key: string; version: string }[]>`
    select id, key, version from public.create_feature_flag(${key("t")}, 'test', ${opts.migration ?? null}, ${opts.minStage ?? null}, ${opts.bps ?? 10000})`;
  if (opts.enabled ?? true) await db()`select public.set_flag_rollout(${f.id}, null, true, ${opts.bps ?? 10000})`;
  return f;
}

async function valueOf(workspaceId: string, flagKey: string, unit: string | null = null) {
  const rows = await db()<{ key: string; value: boolean; reason: string }[]>`select * from public.evaluate_flags(${workspaceId}, ${unit})`;
  return rows.find((r) => r.key === flagKey)!;
}

describe("hashing: the database and TypeScript agree", () => {
  it("gives the same bucket for the same (flag key, unit id), ASCII and not", async () => {
    const units = [...Array.from({ length: 2000 }, (_, i) => `unit-${i}`), randomUUID(), "é", "日本語", "😀 emoji", "tab\tin", "a:b:c", ""];
    const rows = await db()<{ u: string; b: number }[]>`select u, public.flag_bucket('ai_pipeline_v2', u) as b from unnest(${db().array(units, 25)}::text[]) u`;
    expect(rows.filter((r) => r.b !== flagBucket("ai_pipeline_v2", r.u))).toEqual([]);
  });
});

describe("evaluation", () => {
  it("follows kill switch > override > enabled > stage link > percentage", async () => {
    const ws1 = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const ws2 = await createWorkspace({ migrationKey: "lead-centric", stage: 2 });
    const loose = await createWorkspace();
    const f = await makeFlag({ migration: leadId, minStage: 2 });
    expect(await valueOf(ws1.id, f.key)).toMatchObject({ value: false, reason: "stage_not_reached" });
    expect(await valueOf(ws2.id, f.key)).toMatchObject({ value: true, reason: "in_rollout" });
    expect(await valueOf(loose.id, f.key)).toMatchObject({ value: false, reason: "not_enrolled" });

    await db()`select public.set_flag_override(${f.id}, ${ws1.id}, true, 'early access')`;
    expect(await valueOf(ws1.id, f.key)).toMatchObject({ value: true, reason: "override" });

    await db()`select public.set_flag_rollout(${f.id}, null, false, 10000)`;
    expect(await valueOf(ws2.id, f.key)).toMatchObject({ value: false, reason: "disabled" });
    expect(await valueOf(ws1.id, f.key)).toMatchObject({ value: true, reason: "override" });

    await db()`select public.kill_feature_flag(${f.id}, 'incident')`;
    expect(await valueOf(ws1.id, f.key)).toMatchObject({ value: false, reason: "killed" });
  });

  it("is off by default: a new flag is disabled", async () => {
    const ws = await createWorkspace();
    const f = await makeFlag({ enabled: false });
    expect(await valueOf(ws.id, f.key)).toMatchObject({ value: false, reason: "disabled" });
  });

  it("uses the workspace id as the unit by default and the unit when given", async () => {
    const ws = await createWorkspace();
    const f = await makeFlag({ bps: 5000 });
    expect((await valueOf(ws.id, f.key)).value).toBe(flagBucket(f.key, ws.id) < 5000);
    for (const u of ["u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8"]) expect((await valueOf(ws.id, f.key, u)).value).toBe(flagBucket(f.key, u) < 5000);
  });

  it("raising the percentage only adds units; lowering only removes them", async () => {
    const ws = await createWorkspace();
    const f = await makeFlag({ bps: 0 });
    const units = Array.from({ length: 400 }, (_, i) => `user-${i}`);
    const onAt = async (bps: number) => {
      await db()`select public.set_flag_rollout(${f.id}, null, true, ${bps})`;
      const rows = await db()<{ u: string }[]>`
        select u from unnest(${db().array(units, 25)}::text[]) u, public.evaluate_flags(${ws.id}, u) e where e.key = ${f.key} and e.value`;
      return new Set(rows.map((r) => r.u));
    };
    let prev = new Set<string>();
    for (const bps of [0, 100, 1000, 2500, 5000, 10000, 5000, 1000, 0].entries()) {
      const on = await onAt(bps[1]);
      const raising = bps[0] <= 5;
      if (raising) expect([...prev].filter((u) => !on.has(u))).toEqual([]);
      else expect([...on].filter((u) => !prev.has(u))).toEqual([]);
      prev = on;
    }
    expect(prev.size).toBe(0);
  });
});

type Call = (tx: Tx, f: { id: string; key: string }, ws: string) => Promise<unknown>;
const ACTIONS: { name: string; min: "viewer" | "operator" | "admin"; call: Call }[] = [
  { name: "evaluate_flags", min: "viewer", call: (tx, _f, ws) => tx`select * from public.evaluate_flags(${ws}, null)` },
  { name: "set_flag_rollout", min: "operator", call: (tx, f) => tx`select public.set_flag_rollout(${f.id}, null, true, 1234, 'test')` },
  { name: "kill_feature_flag", min: "operator", call: (tx, f) => tx`select public.kill_feature_flag(${f.id}, 'test')` },
  { name: "restore_feature_flag", min: "operator", call: (tx, f) => tx`select public.restore_feature_flag(${f.id}, 'test')` },
  { name: "set_flag_override", min: "operator", call: (tx, f, ws) => tx`select public.set_flag_override(${f.id}, ${ws}, true, 'test')` },
  { name: "kill_migration_flags", min: "operator", call: (tx) => tx`select public.kill_migration_flags(${killMig}, 'test')` },
  { name: "create_feature_flag", min: "admin", call: (tx) => tx`select public.create_feature_flag(${key("c")}, 'd', null, null, 0)` },
  { name: "update_flag_definition", min: "admin", call: (tx, f) => tx`select public.update_flag_definition(${f.id}, null, 'new text', null, null)` },
  { name: "delete_feature_flag", min: "admin", call: (tx, f) => tx`select public.delete_feature_flag(${f.id}, 'test')` },
];
const RANK = { viewer: 1, operator: 2, admin: 3 } as const;

describe("permissions: every role on every flag function", () => {
  for (const a of ACTIONS) {
    it(`${a.name}: anonymous cannot call it at all`, async () => {
      const f = await makeFlag();
      const ws = await createWorkspace();
      await expect(asAnon((tx) => a.call(tx, f, ws.id))).rejects.toThrow(/permission denied/);
    });
    for (const [label, who] of [["non-member", () => stranger], ["viewer", () => viewer], ["operator", () => operator], ["admin", () => admin]] as const) {
      const rank = label === "non-member" ? 0 : RANK[label];
      const allowed = rank >= RANK[a.min];
      it(`${a.name}: ${label} is ${allowed ? "allowed" : "refused"}`, async () => {
        const f = await makeFlag({ migration: a.name === "kill_migration_flags" ? killMig : undefined, minStage: a.name === "kill_migration_flags" ? 4 : undefined });
        const ws = await createWorkspace();
        const before = await db()`select count(*)::int as n from public.flag_changes where flag_id = ${f.id}`;
        const run = asUser(who(), (tx) => a.call(tx, f, ws.id));
        if (allowed) {
          await expect(run).resolves.toBeDefined();
        } else {
          await expect(run).rejects.toMatchObject({ code: "42501" });
          // A refused change writes nothing.
          const after = await db()`select count(*)::int as n from public.flag_changes where flag_id = ${f.id}`;
          expect(after[0].n).toBe(before[0].n);
        }
      });
    }
  }

  it("nobody writes the tables directly, not even an admin", async () => {
    const f = await makeFlag();
    await expect(asUser(admin, (tx) => tx`update public.feature_flags set killed = true where id = ${f.id}`)).rejects.toThrow(/permission denied/);
    await expect(asUser(admin, (tx) => tx`insert into public.flag_overrides (flag_id, workspace_id, value) values (${f.id}, ${randomUUID()}, true)`)).rejects.toThrow(/permission denied/);
    await expect(asUser(admin, (tx) => tx`delete from public.flag_changes`)).rejects.toThrow(/permission denied/);
  });

  it("viewers read flags, overrides and history; non-members see no rows", async () => {
    await makeFlag();
    const [v] = await asUser(viewer, (tx) => tx`select (select count(*)::int from public.feature_flags) as f, (select count(*)::int from public.flag_changes) as c`);
    expect(v.f).toBeGreaterThan(0);
    expect(v.c).toBeGreaterThan(0);
    const [s] = await asUser(stranger, (tx) => tx`select (select count(*)::int from public.feature_flags) as f, (select count(*)::int from public.flag_changes) as c`);
    expect(s).toEqual({ f: 0, c: 0 });
  });

  it("disable_migration_flags_for_workspace is for the system only", async () => {
    const ws = await createWorkspace();
    for (const u of [viewer, operator, admin]) {
      await expect(asUser(u, (tx) => tx`select public.disable_migration_flags_for_workspace(${leadId}, ${ws.id}, 'x')`)).rejects.toThrow(/permission denied/);
    }
  });
});

describe("changes", () => {
  it("records who changed what, before and after, in the history and the audit log", async () => {
    const f = await makeFlag({ bps: 100 });
    await asUser(operator, (tx) => tx`select public.set_flag_rollout(${f.id}, 2, true, 2500, 'widen to a quarter')`);
    const [c] = await db()`select * from public.flag_changes where flag_id = ${f.id} and action = 'rollout' and actor is not null`;
    expect(c).toMatchObject({ actor: operator.id, actor_email: operator.email, reason: "widen to a quarter" });
    expect(c.before).toMatchObject({ rollout_bps: 100, version: 2 });
    expect(c.after).toMatchObject({ rollout_bps: 2500, version: 3 });
    const [a] = await db()`select * from public.audit_events where action = 'flag.rollout' and target_id = ${f.id}::text and actor = ${operator.id}`;
    expect(a.details).toMatchObject({ key: f.key, reason: "widen to a quarter" });
  });

  it("refuses a change made on a stale version and writes nothing", async () => {
    const f = await makeFlag();
    const run = asUser(operator, (tx) => tx`select public.set_flag_rollout(${f.id}, 1, true, 10, 'stale')`);
    await expect(run).rejects.toMatchObject({ code: "P0001", message: expect.stringMatching(/changed by someone else/) });
    const [row] = await db()`select rollout_bps, version from public.feature_flags where id = ${f.id}`;
    expect(row).toEqual({ rollout_bps: 10000, version: "2" });
  });

  it("refuses invalid input with a sentence", async () => {
    await expect(asUser(admin, (tx) => tx`select public.create_feature_flag('Bad Key!', '', null, null, 0)`)).rejects.toMatchObject({ code: "P0001" });
    await expect(asUser(admin, (tx) => tx`select public.create_feature_flag(${key("k")}, '', ${leadId}, 99, 0)`)).rejects.toThrow(/has no stage 99/);
    const f = await makeFlag();
    await expect(asUser(operator, (tx) => tx`select public.set_flag_rollout(${f.id}, null, true, 10001)`)).rejects.toThrow(/between 0 % and 100 %/);
    await expect(asUser(operator, (tx) => tx`select public.kill_feature_flag(${f.id}, '  ')`)).rejects.toThrow(/reason is required/);
    await expect(asUser(admin, (tx) => tx`select public.create_feature_flag(${f.key}, '', null, null, 0)`)).rejects.toThrow(/already exists/);
  });

  it("keeps the history append-only", async () => {
    const f = await makeFlag();
    await expect(db()`update public.flag_changes set reason = 'x' where flag_id = ${f.id}`).rejects.toThrow(/append-only/);
    await expect(db()`delete from public.flag_changes where flag_id = ${f.id}`).rejects.toThrow(/append-only/);
    await expect(db()`truncate public.flag_changes`).rejects.toThrow(/append-only/);
  });

  it("keeps the history of a deleted flag", async () => {
    const f = await makeFlag();
    await asUser(admin, (tx) => tx`select public.delete_feature_flag(${f.id}, 'obsolete')`);
    const rows = await db()`select action from public.flag_changes where flag_id = ${f.id} order by id`;
    expect(rows.map((r) => r.action)).toEqual(["create", "rollout", "delete"]);
  });
});

describe("kill switches", () => {
  it("kills every flag of a migration in one transaction: others see all of them change at once", async () => {
    const mig = await makeMigration();
    const flags = await Promise.all([1, 2, 3].map(() => makeFlag({ migration: mig, minStage: 1 })));
    const ids = flags.map((f) => f.id);
    const killedCount = async () => (await db()`select count(*)::int as n from public.feature_flags where id = any(${ids}) and killed`)[0].n;

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inside!: () => void;
    const reached = new Promise<void>((r) => (inside = r));
    const tx = asUser(operator, async (t) => {
      const [{ n }] = await t`select public.kill_migration_flags(${mig}, 'bad answers from the new model') as n`;
      inside();
      await gate;
      return n;
    });
    await reached;
    expect(await killedCount()).toBe(0);
    release();
    expect(await tx).toBe(3);
    expect(await killedCount()).toBe(3);
    const logged = await db()`select count(*)::int as n from public.flag_changes where flag_id = any(${ids}) and action = 'kill' and actor = ${operator.id}`;
    expect(logged[0].n).toBe(3);
  });

  it("kills nothing when refused, and nothing twice", async () => {
    const mig = await makeMigration();
    const f = await makeFlag({ migration: mig, minStage: 2 });
    await expect(asUser(viewer, (tx) => tx`select public.kill_migration_flags(${mig}, 'x')`)).rejects.toMatchObject({ code: "42501" });
    expect((await db()`select killed from public.feature_flags where id = ${f.id}`)[0].killed).toBe(false);
    await db()`select public.kill_migration_flags(${mig}, 'first')`;
    const [{ n }] = await db()`select public.kill_migration_flags(${mig}, 'second') as n`;
    expect(n).toBe(0);
  });

  it("disable_migration_flags_for_workspace turns the migration's flags off for one workspace, as the system", async () => {
    const [{ id: mig }] = await db()<{ id: string }[]>`select id from public.migrations where key = 'lead-centric'`;
    const a = await createWorkspace({ migrationKey: "lead-centric", stage: 4 });
    const b = await createWorkspace({ migrationKey: "lead-centric", stage: 4 });
    const f = await makeFlag({ migration: mig, minStage: 1 });
    const [{ n }] = await db()`select public.disable_migration_flags_for_workspace(${mig}, ${a.id}, 'guardrail: error rate') as n`;
    expect(n).toBeGreaterThanOrEqual(1);
    expect(await valueOf(a.id, f.key)).toMatchObject({ value: false, reason: "override" });
    expect(await valueOf(b.id, f.key)).toMatchObject({ value: true });
    const [c] = await db()`select actor, reason, after from public.flag_changes where flag_id = ${f.id} and workspace_id = ${a.id}`;
    expect(c).toMatchObject({ actor: null, reason: "guardrail: error rate", after: { value: false } });
  });
});
