import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, type TestUser, type Tx } from "../helpers/db";
import { upsertAuthUser } from "../../lib/seed/users";

// Every write path, through the SQL function or table the app uses, as the role
// that may use it, leaves exactly one record per change naming the actor:
// rollout moves in stage_transitions, flag changes in flag_changes, everything
// else in audit_events. Each test user is new, so "rows with this actor since
// the last mark" are exactly the rows the step wrote, even with other test files
// running against the same database.
let admin: TestUser, operator: TestUser;

beforeAll(async () => {
  [admin, operator] = await Promise.all([createUser("admin"), createUser("operator")]);
});
afterAll(closeDb);

interface Written {
  audit: { action: string; target_type: string; target_id: string | null; actor: string; actor_email: string; details: Record<string, unknown> }[];
  transitions: { kind: string; workspace_id: string; actor: string; actor_email: string }[];
  flagChanges: { action: string; flag_key: string; actor: string }[];
}

async function marks() {
  const [m] = await db()<{ a: string; t: string; f: string }[]>`
    select coalesce((select max(id) from public.audit_events), 0)::text as a,
           coalesce((select max(id) from public.stage_transitions), 0)::text as t,
           coalesce((select max(id) from public.flag_changes), 0)::text as f`;
  return m;
}

/** Runs fn as the user and returns what it appended to the three logs under that user's name. */
async function written<T>(user: TestUser, fn: (tx: Tx) => Promise<T>): Promise<Written & { result: T }> {
  const m = await marks();
  const result = await asUser(user, fn);
  const audit = await db()<Written["audit"]>`
    select action, target_type, target_id, actor::text, actor_email, details from public.audit_events where id > ${m.a} and actor = ${user.id} order by id`;
  const transitions = await db()<Written["transitions"]>`
    select kind, workspace_id::text, actor::text, actor_email from public.stage_transitions where id > ${m.t} and actor = ${user.id} order by id`;
  const flagChanges = await db()<Written["flagChanges"]>`
    select action, flag_key, actor::text from public.flag_changes where id > ${m.f} and actor = ${user.id} order by id`;
  return { audit, transitions, flagChanges, result };
}

function onlyTransitions(w: Written, kind: string, count = 1) {
  expect(w.audit).toEqual([]);
  expect(w.flagChanges).toEqual([]);
  expect(w.transitions).toHaveLength(count);
  for (const t of w.transitions) expect(t.kind).toBe(kind);
}

function onlyAudit(w: Written, user: TestUser, action: string, targetId?: string) {
  expect(w.transitions).toEqual([]);
  expect(w.flagChanges).toEqual([]);
  expect(w.audit.map((a) => a.action)).toEqual([action]);
  expect(w.audit[0]).toMatchObject({ actor: user.id, actor_email: user.email });
  if (targetId !== undefined) expect(w.audit[0].target_id).toBe(targetId);
}

describe("rollout moves → one stage_transitions row per workspace moved", () => {
  it("advance, pause, resume, rollback", async () => {
    const mig = await createMigration([{}, {}, {}]);
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 0, 60);

    onlyTransitions(await written(operator, (tx) => tx`select public.advance_workspace(${ws.id}, ${mig.id}, 0, 'go')`), "advance");
    onlyTransitions(await written(operator, (tx) => tx`select public.pause_workspace(${ws.id}, ${mig.id}, 'hold on')`), "pause");
    onlyTransitions(await written(operator, (tx) => tx`select public.resume_workspace(${ws.id}, ${mig.id}, 'carry on')`), "resume");
    const back = await written(operator, (tx) => tx`select public.rollback_workspace(${ws.id}, ${mig.id}, 'worse than before', 0)`);
    onlyTransitions(back, "rollback");
    expect(back.transitions[0]).toMatchObject({ workspace_id: ws.id, actor: operator.id, actor_email: operator.email });
  });

  it("a refused move (failing gate) writes nothing", async () => {
    const mig = await createMigration([{}, { minSoakMinutes: 10_000 }]);
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 0, 0);
    const w = await written(operator, (tx) => tx`select public.advance_workspace(${ws.id}, ${mig.id}, 0, 'too early') as r`);
    expect((w.result as unknown as { r: { ok: boolean } }[])[0].r.ok).toBe(false);
    expect([w.audit, w.transitions, w.flagChanges]).toEqual([[], [], []]);
  });

  it("wave and emergency stop: one row per workspace", async () => {
    const mig = await createMigration([{}, {}]);
    const wss = await Promise.all([createWorkspace(), createWorkspace(), createWorkspace()]);
    for (const w of wss) await enroll(w.id, mig.id, 0, 60);

    const wave = await written(operator, (tx) => tx`select public.advance_wave(${mig.id}, 0, 100, null, 'all of them')`);
    onlyTransitions(wave, "advance", 3);
    expect(new Set(wave.transitions.map((t) => t.workspace_id))).toEqual(new Set(wss.map((w) => w.id)));

    const stop = await written(operator, (tx) => tx`select public.emergency_stop(${mig.id}, 'stop everything')`);
    expect(stop.transitions.map((t) => t.kind)).toEqual(["emergency_stop", "emergency_stop", "emergency_stop"]);
    // The stop also switches the migration's flags off: one audit record for that step (0 flags here).
    expect(stop.audit.map((a) => a.action)).toEqual(["flag.kill_migration"]);
    expect(stop.flagChanges).toEqual([]);
  });
});

describe("flags → one flag_changes row (and its audit event) per change", () => {
  it("create, rollout, definition, override, clear, kill, restore, delete", async () => {
    const mig = await createMigration([{}, {}]);
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 0);
    const key = `audit-${ws.slug}`;

    const step = async (user: TestUser, action: string, fn: (tx: Tx) => Promise<unknown>) => {
      const w = await written(user, fn);
      expect(w.transitions).toEqual([]);
      expect(w.flagChanges.map((c) => c.action)).toEqual([action]);
      expect(w.flagChanges[0]).toMatchObject({ flag_key: key, actor: user.id });
      expect(w.audit.map((a) => a.action)).toEqual([`flag.${action}`]);
      return w;
    };
    const created = await step(admin, "create", (tx) => tx`select (public.create_feature_flag(${key}, 'audit test', ${mig.id}, 1, 0, 'new')).id`);
    const id = (created.result as unknown as { id: string }[])[0].id;
    await step(operator, "rollout", (tx) => tx`select public.set_flag_rollout(${id}, 1, true, 5000, 'half')`);
    await step(admin, "definition", (tx) => tx`select public.update_flag_definition(${id}, 2, 'described', null, null, 'unlink')`);
    await step(operator, "override", (tx) => tx`select public.set_flag_override(${id}, ${ws.id}, true, 'pin on')`);
    await step(operator, "clear_override", (tx) => tx`select public.set_flag_override(${id}, ${ws.id}, null, 'unpin')`);
    await step(operator, "kill", (tx) => tx`select public.kill_feature_flag(${id}, 'broken')`);
    await step(operator, "restore", (tx) => tx`select public.restore_feature_flag(${id}, 'fixed')`);
    await step(admin, "delete", (tx) => tx`select public.delete_feature_flag(${id}, 'done')`);
  });

  it("kill switch of a migration: one row per killed flag, one audit event for the whole step", async () => {
    const mig = await createMigration([{}, {}]);
    for (const k of ["a", "b"]) {
      await asUser(admin, (tx) => tx`select public.create_feature_flag(${`ks-${k}-${mig.key}`}, '', ${mig.id}, 1, 10000, '')`);
    }
    const w = await written(operator, (tx) => tx`select public.kill_migration_flags(${mig.id}, 'incident')`);
    expect(w.flagChanges.map((c) => c.action)).toEqual(["kill", "kill"]);
    expect(w.audit.map((a) => a.action)).toEqual(["flag.kill_migration"]);
  });
});

describe("configuration and membership → one audit_events row per change", () => {
  it("guardrail rules: insert, update, delete", async () => {
    const ins = await written(admin, (tx) => tx`insert into public.guardrail_rules (name, statistic, comparison, operator, threshold, enabled)
      values ('audit rule', 'p95_latency', 'ratio', '>', 1.5, false) returning id`);
    const id = (ins.result as unknown as { id: string }[])[0].id;
    onlyAudit(ins, admin, "guardrail_rules.insert", id);
    onlyAudit(await written(admin, (tx) => tx`update public.guardrail_rules set threshold = 2 where id = ${id}`), admin, "guardrail_rules.update", id);
    onlyAudit(await written(admin, (tx) => tx`delete from public.guardrail_rules where id = ${id}`), admin, "guardrail_rules.delete", id);
  });

  it("notification channels: insert, update, delete — without the secret", async () => {
    const ins = await written(admin, (tx) => tx`insert into public.notification_channels (name, kind, url, secret, enabled)
      values ('audit hook', 'webhook', 'http://127.0.0.1:9/x', 'sekrit-value', false) returning id`);
    const id = (ins.result as unknown as { id: string }[])[0].id;
    onlyAudit(ins, admin, "notification_channels.insert", id);
    expect(JSON.stringify(ins.audit[0].details)).not.toContain("sekrit-value");
    onlyAudit(await written(admin, (tx) => tx`update public.notification_channels set name = 'renamed' where id = ${id}`), admin, "notification_channels.update", id);
    onlyAudit(await written(admin, (tx) => tx`delete from public.notification_channels where id = ${id}`), admin, "notification_channels.delete", id);
  });

  it("alerts: acknowledge and resolve", async () => {
    const mig = await createMigration([{}, {}]);
    const ws = await createWorkspace();
    await enroll(ws.id, mig.id, 1);
    const [rule] = await db()`insert into public.guardrail_rules (name, migration_id, statistic, operator, threshold, enabled)
      values ('audit alert rule', ${mig.id}, 'p95_latency', '>', 9, false) returning id`;
    const [a] = await db()`insert into public.performance_alerts (rule_id, workspace_id, migration_id, severity, message, stage_at_breach, evaluation)
      values (${rule.id}, ${ws.id}, ${mig.id}, 'warning', 'test alert', 1, '{}') returning id::text`;
    onlyAudit(await written(operator, (tx) => tx`select public.acknowledge_alert(${a.id}, 'looking')`), operator, "alert.acknowledge", a.id);
    onlyAudit(await written(operator, (tx) => tx`select public.resolve_alert(${a.id}, 'fixed it')`), operator, "alert.resolve", a.id);
  });

  it("migration stages: insert, update, delete", async () => {
    const mig = await createMigration([{}, {}]);
    const target = `${mig.id}:2`;
    onlyAudit(await written(admin, (tx) => tx`insert into public.migration_stages (migration_id, position, key, name) values (${mig.id}, 2, 's2', 'Stage 2')`), admin, "stage.insert", target);
    onlyAudit(await written(admin, (tx) => tx`update public.migration_stages set min_samples = 10 where migration_id = ${mig.id} and position = 2`), admin, "stage.update", target);
    onlyAudit(await written(admin, (tx) => tx`delete from public.migration_stages where migration_id = ${mig.id} and position = 2`), admin, "stage.delete", target);
  });

  it("ingest tokens: create, revoke, delete — never the hash", async () => {
    const hash = "f".repeat(48) + Date.now().toString(16).padStart(16, "0");
    const created = await written(admin, (tx) => tx`select public.create_ingest_token('audit token', ${hash}, 'rc_audit', null, array['state:read']) as id`);
    const id = (created.result as unknown as { id: string }[])[0].id;
    onlyAudit(created, admin, "ingest_token.create", id);
    onlyAudit(await written(admin, (tx) => tx`select public.revoke_ingest_token(${id})`), admin, "ingest_token.revoke", id);
    const del = await written(admin, (tx) => tx`delete from public.ingest_tokens where id = ${id}`);
    onlyAudit(del, admin, "ingest_tokens.delete", id);
    expect(JSON.stringify([created.audit, del.audit])).not.toContain(hash);
  });

  it("members: add, change role, remove", async () => {
    const u = { id: await upsertAuthUser(db(), { email: `member-${Date.now()}@test.example`, encryptedPassword: "x" }) };
    onlyAudit(await written(admin, (tx) => tx`insert into public.members (user_id, role) values (${u.id}, 'viewer')`), admin, "members.insert", u.id);
    const change = await written(admin, (tx) => tx`update public.members set role = 'operator' where user_id = ${u.id}`);
    onlyAudit(change, admin, "members.update", u.id);
    expect(change.audit[0].details).toMatchObject({ before: { role: "viewer" }, after: { role: "operator" } });
    onlyAudit(await written(admin, (tx) => tx`delete from public.members where user_id = ${u.id}`), admin, "members.delete", u.id);
  });

  it("workspaces and migration plans: insert, update, delete", async () => {
    const slug = `audit-${Date.now().toString(36)}`;
    const ins = await written(admin, (tx) => tx`insert into public.workspaces (slug, name) values (${slug}, 'Audit Co') returning id`);
    const id = (ins.result as unknown as { id: string }[])[0].id;
    onlyAudit(ins, admin, "workspaces.insert", id);
    onlyAudit(await written(admin, (tx) => tx`update public.workspaces set is_canary = true where id = ${id}`), admin, "workspaces.update", id);
    onlyAudit(await written(admin, (tx) => tx`delete from public.workspaces where id = ${id}`), admin, "workspaces.delete", id);

    const mins = await written(admin, (tx) => tx`insert into public.migrations (key, name) values (${slug}, 'Audit plan') returning id`);
    const mid = (mins.result as unknown as { id: string }[])[0].id;
    onlyAudit(mins, admin, "migrations.insert", mid);
    onlyAudit(await written(admin, (tx) => tx`update public.migrations set description = 'd' where id = ${mid}`), admin, "migrations.update", mid);
    onlyAudit(await written(admin, (tx) => tx`delete from public.migrations where id = ${mid}`), admin, "migrations.delete", mid);
  });

  it("an update that changes nothing is not recorded; a refused write records nothing", async () => {
    const ws = await createWorkspace();
    const same = await written(admin, (tx) => tx`update public.workspaces set name = name where id = ${ws.id}`);
    expect(same.audit).toEqual([]);
    const refused = await written(operator, (tx) => tx`update public.workspaces set name = 'hijack' where id = ${ws.id}`);
    expect(refused.audit).toEqual([]);
    expect(refused.result).toHaveLength(0);
  });
});
