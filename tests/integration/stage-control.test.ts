import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  asAnon, asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, storeSamples, traffic, type TestUser,
} from "../helpers/db";

let viewer: TestUser, operator: TestUser, admin: TestUser, stranger: TestUser;

beforeAll(async () => {
  [viewer, operator, admin, stranger] = await Promise.all([createUser("viewer"), createUser("operator"), createUser("admin"), createUser(null)]);
});
afterAll(closeDb);

// A two-gate plan: 0 → 1 is free; 1 → 2 needs an hour of soak, 100 samples per
// variant, error rate ≤ 1 %, p95 ratio ≤ 1.2 and at most 2 negative feedback items.
const GATED = [{}, { maxOpenCriticalAlerts: 0 }, { minSoakMinutes: 60, minSamples: 100, maxErrorRate: 0.01, maxP95Ratio: 1.2, maxNegativeFeedback: 2 }, {}];

async function rollout(ws: string, mig: string) {
  const [r] = await db()`select stage, status, version::int as version from public.workspace_rollouts where workspace_id = ${ws} and migration_id = ${mig}`;
  return r as { stage: number; status: string; version: number };
}
async function transitions(ws: string, mig: string) {
  return db()`select kind, from_stage, to_stage, actor, reason, gate_report from public.stage_transitions where workspace_id = ${ws} and migration_id = ${mig} order by id`;
}
async function newRollout(stage = 0, minutesAgo = 0, plan = GATED) {
  const mig = await createMigration(plan);
  const ws = await createWorkspace();
  await enroll(ws.id, mig.id, stage, minutesAgo);
  return { ws: ws.id, mig: mig.id, migKey: mig.key };
}
const advanceAs = (u: TestUser, ws: string, mig: string, expected: number, opts: { reason?: string; override?: boolean; version?: number } = {}) =>
  asUser(u, async (tx) => {
    const [{ r }] = await tx`select public.advance_workspace(${ws}, ${mig}, ${expected}, ${opts.reason ?? ""}, ${opts.override ?? false}, ${opts.version ?? null}::bigint) as r`;
    return r as { ok: boolean; message?: string; kind?: string; report: { passed: boolean; checks: { check: string; status: string; observed: number | null }[] } };
  });

describe("advance", () => {
  it("moves one stage forward, bumps the version and writes one transition with the gate report", async () => {
    const { ws, mig } = await newRollout();
    const r = await advanceAs(operator, ws, mig, 0, { reason: "first step" });
    expect(r.ok).toBe(true);
    expect(await rollout(ws, mig)).toMatchObject({ stage: 1, status: "active", version: 2 });
    const t = await transitions(ws, mig);
    expect(t).toHaveLength(1);
    expect(t[0]).toMatchObject({ kind: "advance", from_stage: 0, to_stage: 1, actor: operator.id, reason: "first step" });
    expect(t[0].gate_report.passed).toBe(true);
    expect(t[0].gate_report.checks.map((c: { check: string }) => c.check)).toEqual(["open_critical_alerts"]);
  });

  it("refuses a stale advance (the caller saw another stage) and changes nothing", async () => {
    const { ws, mig } = await newRollout(1);
    await expect(advanceAs(operator, ws, mig, 0)).rejects.toThrow(/Stale: the workspace is now at stage 1/);
    await expect(advanceAs(operator, ws, mig, 1, { version: 99 })).rejects.toThrow(/Stale/);
    expect(await rollout(ws, mig)).toMatchObject({ stage: 1, version: 1 });
    expect(await transitions(ws, mig)).toHaveLength(0);
  });

  it("treats missing telemetry as 'not enough data', never as a pass", async () => {
    const { ws, mig } = await newRollout(1, 120);
    const r = await advanceAs(operator, ws, mig, 1);
    expect(r.ok).toBe(false);
    const status = Object.fromEntries(r.report.checks.map((c) => [c.check, c.status]));
    expect(status).toMatchObject({ soak_time: "pass", min_samples: "fail", error_rate: "no_data", p95_ratio: "no_data", negative_feedback: "pass" });
    expect(r.message).toMatch(/Gate failed: .*Error rate of new: not enough data/);
    expect(await rollout(ws, mig)).toMatchObject({ stage: 1, version: 1 });
    expect(await transitions(ws, mig)).toHaveLength(0);
  });

  it("refuses when the soak time at the current stage is too short", async () => {
    const { ws, mig } = await newRollout(1, 5);
    await storeSamples(ws, mig, traffic(150));
    const r = await advanceAs(operator, ws, mig, 1);
    expect(r.ok).toBe(false);
    expect(r.report.checks.find((c) => c.check === "soak_time")?.status).toBe("fail");
    expect(r.message).toMatch(/Soak time at current stage = \d+(\.\d)?, limit 60/);
  });

  it("passes with healthy telemetry, and names the failed check when p95 regresses", async () => {
    const healthy = await newRollout(1, 120);
    // Sequential gate checks: an error rate ≤ 1 % is shown with confidence only after
    // ~1 400 error-free samples (150 leave it inconclusive, which blocks).
    await storeSamples(healthy.ws, healthy.mig, traffic(1500, { newFactor: 1.05 }));
    const ok = await advanceAs(operator, healthy.ws, healthy.mig, 1);
    expect(ok.ok).toBe(true);
    expect(ok.report.checks.every((c) => c.status === "pass")).toBe(true);

    const slow = await newRollout(1, 120);
    await storeSamples(slow.ws, slow.mig, traffic(1500, { newFactor: 1.45 }));
    const bad = await advanceAs(operator, slow.ws, slow.mig, 1);
    expect(bad.ok).toBe(false);
    const p95 = bad.report.checks.find((c) => c.check === "p95_ratio")!;
    expect(p95.status).toBe("fail");
    expect(p95.observed).toBeGreaterThan(1.3);
    expect(p95.observed).toBeLessThan(1.6);
    expect(bad.message).toMatch(/^Gate failed: p95 latency new\/old = 1\.\d+, limit 1\.2$/);
  });

  it("fails the gate on the new variant's error rate", async () => {
    const { ws, mig } = await newRollout(1, 120);
    await storeSamples(ws, mig, traffic(200, { newErrors: 0.05 }));
    const r = await advanceAs(operator, ws, mig, 1);
    expect(r.ok).toBe(false);
    expect(r.report.checks.find((c) => c.check === "error_rate")).toMatchObject({ status: "fail", observed: 0.05 });
  });

  it("lets an admin override a failed gate with a written reason, recorded as an override", async () => {
    const { ws, mig } = await newRollout(1, 120);
    await expect(advanceAs(operator, ws, mig, 1, { override: true, reason: "customer demo tomorrow" })).rejects.toThrow(/overriding a stage gate needs the admin role/);
    await expect(advanceAs(admin, ws, mig, 1, { override: true, reason: "short" })).rejects.toThrow(/written reason/);
    const r = await advanceAs(admin, ws, mig, 1, { override: true, reason: "Telemetry pipeline down; verified by hand" });
    expect(r).toMatchObject({ ok: true, kind: "override" });
    const [t] = await transitions(ws, mig);
    expect(t).toMatchObject({ kind: "override", actor: admin.id, reason: "Telemetry pipeline down; verified by hand" });
    expect(t.gate_report).toMatchObject({ passed: false, overridden: true });
  });

  it("refuses to advance a paused workspace or one at the last stage", async () => {
    const paused = await newRollout(1);
    await asUser(operator, (tx) => tx`select public.pause_workspace(${paused.ws}, ${paused.mig}, 'customer freeze')`);
    await expect(advanceAs(operator, paused.ws, paused.mig, 1)).rejects.toThrow(/paused; resume it/);
    const last = await newRollout(3);
    await expect(advanceAs(operator, last.ws, last.mig, 3)).rejects.toThrow(/already at the last stage/);
  });

  it("lets exactly one of 100 concurrent advances of one workspace succeed", async () => {
    const { ws, mig } = await newRollout();
    const pool = postgres(process.env.TEST_DATABASE_URL!, { max: 20, onnotice: () => {} });
    try {
      const attempts = Array.from({ length: 100 }, () =>
        pool.begin(async (tx) => {
          await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(operator.claims)}, true)`;
          const [{ r }] = await tx`select public.advance_workspace(${ws}, ${mig}, 0, 'race', false, null) as r`;
          return r as { ok: boolean };
        }),
      );
      const results = await Promise.allSettled(attempts);
      const ok = results.filter((r) => r.status === "fulfilled" && r.value.ok);
      const refused = results.filter((r) => r.status === "rejected");
      expect(ok).toHaveLength(1);
      expect(refused).toHaveLength(99);
      for (const r of refused) expect(String((r as PromiseRejectedResult).reason)).toMatch(/Stale/);
    } finally {
      await pool.end();
    }
    expect(await rollout(ws, mig)).toMatchObject({ stage: 1, version: 2 });
    expect(await transitions(ws, mig)).toHaveLength(1);
  });
});

describe("rollback, pause, resume", () => {
  it("rolls back to the previous stage by default, or to any earlier stage, with a reason", async () => {
    const { ws, mig } = await newRollout(3);
    const r1 = await asUser(operator, (tx) => tx`select public.rollback_workspace(${ws}, ${mig}, 'p95 regression') as r`);
    expect(r1[0].r).toMatchObject({ ok: true, from_stage: 3, to_stage: 2 });
    await asUser(operator, (tx) => tx`select public.rollback_workspace(${ws}, ${mig}, 'back to the start', 0) as r`);
    expect(await rollout(ws, mig)).toMatchObject({ stage: 0, status: "rolled_back" });
    const t = await transitions(ws, mig);
    expect(t.map((x) => [x.kind, x.from_stage, x.to_stage, x.reason])).toEqual([
      ["rollback", 3, 2, "p95 regression"],
      ["rollback", 2, 0, "back to the start"],
    ]);
  });

  it("refuses rollbacks without a reason, forward, or from stage 0", async () => {
    const { ws, mig } = await newRollout(2);
    await expect(asUser(operator, (tx) => tx`select public.rollback_workspace(${ws}, ${mig}, '')`)).rejects.toThrow(/needs a reason/);
    await expect(asUser(operator, (tx) => tx`select public.rollback_workspace(${ws}, ${mig}, 'why not', 3)`)).rejects.toThrow(/earlier stage \(0 to 1\)/);
    const zero = await newRollout(0);
    await expect(asUser(operator, (tx) => tx`select public.rollback_workspace(${zero.ws}, ${zero.mig}, 'oops')`)).rejects.toThrow(/already at stage 0/);
    expect(await transitions(ws, mig)).toHaveLength(0);
  });

  it("pauses and resumes, each audited", async () => {
    const { ws, mig } = await newRollout(1);
    await asUser(operator, (tx) => tx`select public.pause_workspace(${ws}, ${mig}, 'quarter close')`);
    expect((await rollout(ws, mig)).status).toBe("paused");
    await expect(asUser(operator, (tx) => tx`select public.pause_workspace(${ws}, ${mig}, 'again')`)).rejects.toThrow(/already paused/);
    await asUser(operator, (tx) => tx`select public.resume_workspace(${ws}, ${mig}, 'quarter closed')`);
    expect((await rollout(ws, mig)).status).toBe("active");
    expect((await transitions(ws, mig)).map((t) => t.kind)).toEqual(["pause", "resume"]);
  });
});

describe("every role on every transition", () => {
  const UNGATED = [{}, {}, {}, {}];
  const calls: [string, (ws: string, mig: string) => (tx: postgres.TransactionSql) => Promise<unknown>][] = [
    ["advance", (ws, mig) => (tx) => tx`select public.advance_workspace(${ws}, ${mig}, 1, 'x', false, null)`],
    ["rollback", (ws, mig) => (tx) => tx`select public.rollback_workspace(${ws}, ${mig}, 'reason here')`],
    ["pause", (ws, mig) => (tx) => tx`select public.pause_workspace(${ws}, ${mig}, 'reason here')`],
    ["wave", (_ws, mig) => (tx) => tx`select public.advance_wave(${mig}, 1, 100, null, 'x', false)`],
    ["emergency stop", (_ws, mig) => (tx) => tx`select public.emergency_stop(${mig}, 'reason here')`],
  ];
  for (const [name, call] of calls) {
    it(`${name}: anonymous, non-members and viewers are refused and nothing changes`, async () => {
      const { ws, mig } = await newRollout(1, 0, UNGATED);
      await expect(asAnon(call(ws, mig) as never)).rejects.toThrow(/permission denied for function/);
      await expect(asUser(stranger, call(ws, mig) as never)).rejects.toThrow(/Not allowed/);
      await expect(asUser(viewer, call(ws, mig) as never)).rejects.toThrow(/Not allowed: .* needs the operator role/);
      expect(await rollout(ws, mig)).toMatchObject({ stage: 1, status: "active", version: 1 });
      expect(await transitions(ws, mig)).toHaveLength(0);
    });
    it(`${name}: operators and admins may`, async () => {
      for (const u of [operator, admin]) {
        const { ws, mig } = await newRollout(1, 0, UNGATED);
        await asUser(u, call(ws, mig) as never);
        expect((await transitions(ws, mig)).length).toBeGreaterThanOrEqual(1);
      }
    });
  }

  it("viewers may read the gate and preview a wave, which writes nothing", async () => {
    const { ws, mig } = await newRollout(1);
    const [{ r }] = await asUser(viewer, (tx) => tx`select public.evaluate_gate(${ws}, ${mig}) as r`);
    expect(r.target_stage).toBe(2);
    const [{ w }] = await asUser(viewer, (tx) => tx`select public.advance_wave(${mig}, 0, 100, null, '', true) as w`);
    expect(w.dry_run).toBe(true);
    await expect(asAnon((tx) => tx`select public.evaluate_gate(${ws}, ${mig})`)).rejects.toThrow(/permission denied/);
    expect(await transitions(ws, mig)).toHaveLength(0);
  });
});

describe("waves", () => {
  async function plan(n: number, canaries: number[] = []) {
    const mig = await createMigration([{}, {}, {}]);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const ws = await createWorkspace({ canary: canaries.includes(i) });
      await enroll(ws.id, mig.id, 0);
      ids.push(ws.id);
    }
    return { mig: mig.id, ids };
  }
  const wave = (mig: string, pct: number | null, count: number | null, dry = false) =>
    asUser(operator, async (tx) => (await tx`select public.advance_wave(${mig}, 0, ${pct}::numeric, ${count}::int, 'wave', ${dry}) as w`)[0].w);
  const atStage1 = async (mig: string) =>
    (await db()`select workspace_id from public.workspace_rollouts where migration_id = ${mig} and stage = 1`).map((r) => r.workspace_id as string);

  it("moves canaries first and only ever adds workspaces from 10 % to 25 % to 100 %", async () => {
    const { mig, ids } = await plan(20, [7, 13]);
    const w10 = await wave(mig, 10, null);
    expect(w10.moved).toHaveLength(2);
    expect(new Set(w10.moved.map((m: { workspace_id: string }) => m.workspace_id))).toEqual(new Set([ids[7], ids[13]]));
    const after10 = await atStage1(mig);
    const w25 = await wave(mig, 25, null);
    expect(w25.moved).toHaveLength(3);
    const after25 = await atStage1(mig);
    expect(after25).toHaveLength(5);
    for (const id of after10) expect(after25).toContain(id);
    await wave(mig, 100, null);
    expect(await atStage1(mig)).toHaveLength(20);
    const [{ n }] = await db()`select count(*)::int as n from public.stage_transitions where migration_id = ${mig}`;
    expect(n).toBe(20);
  });

  it("the migration page's order, read as a viewer, is the order waves move in", async () => {
    const { mig } = await plan(12, [4, 9]);
    const preview = await wave(mig, 100, null, true);
    const listed = await asUser(viewer, (tx) => tx`select r.workspace_id from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
      where r.migration_id = ${mig} order by app_private.wave_order_key(r.migration_id, r.workspace_id, w.is_canary)`);
    expect(listed.map((r) => r.workspace_id)).toEqual(preview.moved.map((m: { workspace_id: string }) => m.workspace_id));
  });

  it("previews exactly what applying will do, and the preview writes nothing", async () => {
    const { mig } = await plan(10);
    const preview = await wave(mig, 50, null, true);
    expect(await atStage1(mig)).toHaveLength(0);
    const applied = await wave(mig, 50, null);
    expect(applied.moved.map((m: { workspace_id: string }) => m.workspace_id)).toEqual(preview.moved.map((m: { workspace_id: string }) => m.workspace_id));
  });

  it("skips and reports workspaces whose gate fails or that are paused, never moving them", async () => {
    const mig = await createMigration([{}, { minSamples: 50, maxErrorRate: 0.01 }]);
    const good = await createWorkspace();
    const noData = await createWorkspace();
    const paused = await createWorkspace();
    for (const w of [good, noData, paused]) await enroll(w.id, mig.id, 0, 120);
    await storeSamples(good.id, mig.id, traffic(1500)); // enough to show errors ≤ 1 % (sequential test)
    await asUser(operator, (tx) => tx`select public.pause_workspace(${paused.id}, ${mig.id}, 'customer freeze')`);
    const w = await wave(mig.id, null, 3);
    expect(w.moved.map((m: { workspace_id: string }) => m.workspace_id)).toEqual([good.id]);
    expect(w.failed.map((m: { workspace_id: string }) => m.workspace_id)).toEqual([noData.id]);
    expect(w.failed[0].message).toMatch(/Samples per variant/);
    expect(w.skipped).toEqual([expect.objectContaining({ workspace_id: paused.id, reason: "paused" })]);
    expect(await atStage1(mig.id)).toEqual([good.id]);
  });

  it("rejects malformed waves", async () => {
    const { mig } = await plan(2);
    await expect(wave(mig, 10, 2)).rejects.toThrow(/either a percentage or a count/);
    await expect(wave(mig, 150, null)).rejects.toThrow(/between 0 and 100/);
    await expect(wave(mig, null, 0)).rejects.toThrow(/at least 1/);
  });
});

describe("emergency stop", () => {
  it("sends every workspace of the migration to stage 0, paused, one transition each", async () => {
    const mig = await createMigration([{}, {}, {}, {}]);
    const wss = await Promise.all([0, 1, 2, 3].map(() => createWorkspace()));
    for (const [i, w] of wss.entries()) await enroll(w.id, mig.id, i);
    const [{ r }] = await asUser(operator, (tx) => tx`select public.emergency_stop(${mig.id}, 'data corruption reported') as r`);
    expect(r).toMatchObject({ ok: true, workspaces: 4 });
    const rows = await db()`select stage, status from public.workspace_rollouts where migration_id = ${mig.id}`;
    expect(rows.every((x) => x.stage === 0 && x.status === "paused")).toBe(true);
    const t = await db()`select kind, to_stage from public.stage_transitions where migration_id = ${mig.id}`;
    expect(t).toHaveLength(4);
    expect(t.every((x) => x.kind === "emergency_stop" && x.to_stage === 0)).toBe(true);
  });

  it("is all-or-nothing: when one workspace cannot be stopped, none is", async () => {
    const mig = await createMigration([{}, {}, {}]);
    const wss = await Promise.all([0, 1, 2].map(() => createWorkspace()));
    for (const w of wss) await enroll(w.id, mig.id, 2);
    const blocker = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const locked = new Promise<void>((ready) => {
      void blocker.begin(async (tx) => {
        await tx`select 1 from public.workspace_rollouts where workspace_id = ${wss[2].id} and migration_id = ${mig.id} for update`;
        ready();
        await held;
      });
    });
    await locked;
    const attempt = asUser(operator, async (tx) => {
      await tx`set local lock_timeout = '300ms'`;
      return tx`select public.emergency_stop(${mig.id}, 'stop everything')`;
    });
    await expect(attempt).rejects.toThrow(/lock timeout/);
    release();
    await blocker.end();
    const rows = await db()`select stage, status from public.workspace_rollouts where migration_id = ${mig.id}`;
    expect(rows.every((x) => x.stage === 2 && x.status === "active")).toBe(true);
    const [{ n }] = await db()`select count(*)::int as n from public.stage_transitions where migration_id = ${mig.id}`;
    expect(n).toBe(0);
  });
});

describe("advancing selected workspaces", () => {
  it("moves each selected workspace one stage from where it is, reports gate failures and skips, previews without writing", async () => {
    const mig = await createMigration([{}, {}, { minSamples: 10 }, {}]);
    const [a, b, c, d, outsider] = await Promise.all([0, 1, 2, 3, 4].map(() => createWorkspace()));
    await enroll(a.id, mig.id, 0);
    await enroll(b.id, mig.id, 1);
    await enroll(c.id, mig.id, 3);
    await enroll(d.id, mig.id, 1);
    await asUser(operator, (tx) => tx`select public.pause_workspace(${d.id}, ${mig.id}, 'on hold')`);
    const call = (u: TestUser, dry: boolean) =>
      asUser(u, async (tx) => (await tx`select public.advance_selected(${mig.id}, ${[a.id, b.id, c.id, d.id, outsider.id]}::uuid[], 'picked', ${dry}) as r`)[0].r);
    const preview = await call(viewer, true);
    expect(await transitions(a.id, mig.id)).toHaveLength(0);
    await expect(call(viewer, false)).rejects.toThrow(/needs the operator role/);
    const done = await call(operator, false);
    expect(done.moved.map((m: { workspace_id: string }) => m.workspace_id)).toEqual(preview.moved.map((m: { workspace_id: string }) => m.workspace_id));
    expect(done.moved.map((m: { workspace_id: string }) => m.workspace_id)).toEqual([a.id]);
    expect(done.failed.map((m: { workspace_id: string }) => m.workspace_id)).toEqual([b.id]);
    expect(Object.fromEntries(done.skipped.map((m: { workspace_id: string; reason: string }) => [m.workspace_id, m.reason]))).toEqual({
      [c.id]: "at the last stage", [d.id]: "paused", [outsider.id]: "not enrolled",
    });
    expect(await rollout(a.id, mig.id)).toMatchObject({ stage: 1 });
    expect(await rollout(b.id, mig.id)).toMatchObject({ stage: 1 });
  });
});

describe("one advance path", () => {
  it("single, wave and hand-picked advances record the same gate report; each bulk operation sends one notification", async () => {
    const mig = await createMigration([{}, {}, {}]);
    const ws = await Promise.all([0, 1, 2, 3, 4, 5, 6].map(() => createWorkspace()));
    for (const w of ws) await enroll(w.id, mig.id, 0);
    // A channel of this test only, subscribed to what advances report.
    const [ch] = await db()`insert into public.notification_channels (name, kind, url, events, enabled)
      values (${`bulk ${mig.key}`}, 'webhook', 'http://127.0.0.1:9/bulk', array['wave_applied', 'stage_changed'], true) returning id`;
    try {
      await asUser(operator, (tx) => tx`select public.advance_selected(${mig.id}, ${ws.slice(0, 3).map((w) => w.id)}::uuid[], 'picked', false)`);
      await asUser(operator, (tx) => tx`select public.advance_wave(${mig.id}, 0, null, 3, 'wave', false)`);
      const [left] = await db()`select workspace_id from public.workspace_rollouts where migration_id = ${mig.id} and stage = 0`;
      await asUser(operator, (tx) => tx`select public.advance_workspace(${left.workspace_id as string}, ${mig.id}, 0, 'single')`);
      const deliveries = await db()<{ event: string }[]>`
        select event from public.notification_deliveries
         where channel_id = ${ch.id as string} and payload -> 'migration' ->> 'id' = ${mig.id} order by id`;
      expect(deliveries.map((d) => d.event)).toEqual(["wave_applied", "wave_applied", "stage_changed"]);

      const moves = await db()<{ reason: string; report: Record<string, unknown> }[]>`
        select reason, gate_report as report from public.stage_transitions where migration_id = ${mig.id} and kind = 'advance' order by id`;
      expect(moves).toHaveLength(7);
      for (const m of moves) expect(m.report).toMatchObject({ passed: true, target_stage: 1, overridden: false });
      expect(moves.slice(0, 3).every((m) => m.report.bulk === "selected")).toBe(true);
      expect(moves.slice(3, 6).every((m) => m.report.bulk === "wave" && m.report.wave === true)).toBe(true);
      expect(moves[6].report.bulk).toBeUndefined();
    } finally {
      await db()`update public.notification_channels set enabled = false where id = ${ch.id as string}`;
    }
  });
});
