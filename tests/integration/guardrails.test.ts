import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asAnon, asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, storeSamples, traffic, type Sample, type TestUser } from "../helpers/db";

// Guardrail evaluation through the same entry point the ingest endpoints use
// (public.after_telemetry_batch, as anon). Default rules from the migration apply
// to every migration; each test makes its own plan and workspace.
let viewer: TestUser, operator: TestUser;
let channelId: string;

beforeAll(async () => {
  [viewer, operator] = await Promise.all([createUser("viewer"), createUser("operator")]);
  // A disabled-by-default-less channel so deliveries are written; nothing delivers in this file
  // (no worker runs here), which is what lets us count the outbox rows.
  const [c] = await db()`insert into public.notification_channels (name, kind, url, secret)
    values ('guardrail test sink', 'webhook', 'http://127.0.0.1:9/never', 'k') returning id`;
  channelId = c.id;
});
afterAll(async () => {
  await db()`update public.notification_channels set enabled = false where id = ${channelId}`;
  await closeDb();
});

const fresh = (samples: Sample[]) => samples.map((s) => ({ ...s, ago: 0 }));

async function setup(stage = 2, stages = 3) {
  const mig = await createMigration(Array.from({ length: stages }, () => ({})));
  const ws = await createWorkspace();
  await enroll(ws.id, mig.id, stage, 120);
  return { ws: ws.id, mig: mig.id };
}
// The ingest endpoints run this on the service connection after a batch commits;
// no API role may (tests/integration/privileges.test.ts).
const evaluate = (ws: string, mig: string) => db()`select public.after_telemetry_batch(${[ws]}::uuid[], ${[mig]}::uuid[])`;
const state = async (ws: string, mig: string) => {
  const [r] = await db()`select stage, status, version::int from public.workspace_rollouts where workspace_id = ${ws} and migration_id = ${mig}`;
  const alerts = await db()`select a.*, g.name as rule from public.performance_alerts a join public.guardrail_rules g on g.id = a.rule_id
                            where a.workspace_id = ${ws} and a.migration_id = ${mig} order by a.id`;
  const transitions = await db()`select * from public.stage_transitions where workspace_id = ${ws} and migration_id = ${mig} order by id`;
  const deliveries = await db()`select d.id, d.event from public.notification_deliveries d
                                where d.channel_id = ${channelId} and d.payload -> 'workspace' ->> 'id' = ${ws} order by d.id`;
  return { rollout: r, alerts, transitions, deliveries };
};

describe("automatic rollback", () => {
  it("a breaching batch rolls the workspace back, pauses it, opens one alert and enqueues its notifications", async () => {
    const { ws, mig } = await setup(2);
    await storeSamples(ws, mig, fresh(traffic(300, { newFactor: 1.6 })));
    await evaluate(ws, mig);
    const s = await state(ws, mig);
    expect(s.rollout).toMatchObject({ stage: 1, status: "paused" });
    expect(s.alerts).toHaveLength(1);
    expect(s.alerts[0]).toMatchObject({ rule: "p95 latency regression", state: "open", severity: "critical", stage_at_breach: 2, action_taken: "rolled back from stage 2 to 1 and paused" });
    expect(s.alerts[0].message).toMatch(/p95 latency new\/old = 1\.\d+ > 1\.2/);
    expect(s.transitions).toHaveLength(1);
    expect(s.transitions[0]).toMatchObject({ kind: "auto_rollback", from_stage: 2, to_stage: 1, actor: null, status_after: "paused" });
    expect(s.transitions[0].gate_report).toMatchObject({ verdict: "breach", alert_id: Number(s.alerts[0].id) });
    expect(s.deliveries.map((d) => d.event).sort()).toEqual(["alert_opened", "auto_rollback"]);
    const jobs = await db()`select count(*)::int as n from graphile_worker.jobs where task_identifier = 'deliver_notification'
                            and key = any(${s.deliveries.map((d) => `delivery:${d.id}`)})`;
    expect(jobs[0].n).toBe(2);
  });

  it("acts once per breach: a repeated evaluation updates the alert instead of rolling back again", async () => {
    const { ws, mig } = await setup(2);
    await storeSamples(ws, mig, fresh(traffic(300, { newFactor: 1.6 })));
    await evaluate(ws, mig);
    await evaluate(ws, mig);
    await evaluate(ws, mig);
    const s = await state(ws, mig);
    expect(s.rollout).toMatchObject({ stage: 1, status: "paused" });
    expect(s.transitions).toHaveLength(1);
    expect(s.alerts).toHaveLength(1);
    expect(s.alerts[0].breach_count).toBe(3);
  });

  it("rolls back once and opens one alert when two evaluators race", async () => {
    const { ws, mig } = await setup(2);
    await storeSamples(ws, mig, fresh(traffic(300, { newFactor: 1.6, newErrors: 0.1 })));
    const a = postgres(process.env.TEST_DATABASE_URL!, { max: 4, onnotice: () => {} });
    try {
      await Promise.all(
        Array.from({ length: 4 }, () =>
          a.begin((tx) => tx`select public.after_telemetry_batch(${[ws]}::uuid[], ${[mig]}::uuid[])`),
        ),
      );
    } finally {
      await a.end();
    }
    const s = await state(ws, mig);
    expect(s.transitions.filter((t) => t.kind === "auto_rollback")).toHaveLength(1);
    // Two rules breach (p95 and error rate): one alert each, never duplicated.
    expect(s.alerts.map((x) => x.rule).sort()).toEqual(["Error rate above baseline", "p95 latency regression"]);
    expect(s.rollout).toMatchObject({ stage: 1, status: "paused" });
    expect(s.deliveries.filter((d) => d.event === "auto_rollback")).toHaveLength(1);
  });

  it("a rule deleted while a batch is evaluated never leaves an alert without its rule, nor fails the evaluation", async () => {
    const { ws, mig } = await setup(2);
    await storeSamples(ws, mig, fresh(traffic(300, { newFactor: 1.6 })));
    const rule = async () => (await db()`insert into public.guardrail_rules (name, migration_id, statistic, comparison, operator, threshold, min_samples, severity, action)
      values ('short-lived rule', ${mig}, 'p95_latency', 'ratio', '>', 1.1, 50, 'warning', 'alert') returning id`)[0].id as string;
    const a = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    const b = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
    const [{ pid: pidA }] = await a`select pg_backend_pid() as pid`;
    const [{ pid: pidB }] = await b`select pg_backend_pid() as pid`;
    // Polls the server's own view until the backend waits on a row lock: no fixed sleep.
    const waitsOnLock = async (pid: number) => {
      await expect.poll(async () => (await db()`select wait_event_type from pg_stat_activity where pid = ${pid}`)[0]?.wait_event_type, { timeout: 20_000 }).toBe("Lock");
    };
    try {
      // 1. The evaluation holds the rule: the delete waits, then takes the alert with it.
      const first = await rule();
      await a`begin`;
      await a`select public.after_telemetry_batch(${[ws]}::uuid[], ${[mig]}::uuid[])`;
      const deleting = b`delete from public.guardrail_rules where id = ${first}`.execute();
      await waitsOnLock(pidB);
      await a`commit`;
      await deleting;
      expect(await db()`select id from public.performance_alerts where rule_id = ${first}`).toHaveLength(0);
      // 2. The delete holds the rule: the evaluation waits, then goes on without it.
      const second = await rule();
      await b`begin`;
      await b`delete from public.guardrail_rules where id = ${second}`;
      const evaluating = a`select public.after_telemetry_batch(${[ws]}::uuid[], ${[mig]}::uuid[])`.execute();
      await waitsOnLock(pidA);
      await b`commit`;
      await evaluating;
      const rules = (await state(ws, mig)).alerts.map((x) => x.rule);
      expect(rules).toContain("p95 latency regression");
      expect(rules).not.toContain("short-lived rule");
    } finally {
      await Promise.all([a.end(), b.end()]);
    }
  });

  it("fires at the final stage too", async () => {
    const { ws, mig } = await setup(2, 3);
    await storeSamples(ws, mig, fresh(traffic(300, { newErrors: 0.08 })));
    await evaluate(ws, mig);
    const s = await state(ws, mig);
    expect(s.rollout).toMatchObject({ stage: 1, status: "paused" });
    expect(s.alerts.map((x) => x.rule)).toEqual(["Error rate above baseline"]);
  });

  it("does nothing for a healthy batch or an under-sampled one", async () => {
    const healthy = await setup(2);
    await storeSamples(healthy.ws, healthy.mig, fresh(traffic(300, { newFactor: 1.05 })));
    await evaluate(healthy.ws, healthy.mig);
    const sparse = await setup(2);
    await storeSamples(sparse.ws, sparse.mig, fresh(traffic(50, { newFactor: 3, newErrors: 0.5 })));
    await evaluate(sparse.ws, sparse.mig);
    for (const x of [healthy, sparse]) {
      const s = await state(x.ws, x.mig);
      expect(s.rollout).toMatchObject({ stage: 2, status: "active" });
      expect(s.alerts).toHaveLength(0);
      expect(s.transitions).toHaveLength(0);
      expect(s.deliveries).toHaveLength(0);
    }
  });

  it("acts again if someone resumes the workspace and it still breaches", async () => {
    const { ws, mig } = await setup(2);
    await storeSamples(ws, mig, fresh(traffic(300, { newFactor: 1.6 })));
    await evaluate(ws, mig);
    await asUser(operator, (tx) => tx`select public.resume_workspace(${ws}, ${mig}, 'trying again')`);
    await storeSamples(ws, mig, fresh(traffic(300, { newFactor: 1.6 })));
    await evaluate(ws, mig);
    const s = await state(ws, mig);
    expect(s.transitions.map((t) => [t.kind, t.from_stage, t.to_stage])).toEqual([
      ["auto_rollback", 2, 1],
      ["resume", 1, 1],
      ["auto_rollback", 1, 0],
    ]);
    expect(s.alerts).toHaveLength(1);
  });
});

describe("other rule kinds", () => {
  it("a complaint spike opens a warning alert and does not roll back", async () => {
    const { ws, mig } = await setup(2);
    for (let i = 0; i < 3; i++) {
      await db()`insert into public.feedback_tracking (workspace_id, migration_id, stage, kind, message, source, variant)
                 values (${ws}, ${mig}, 2, 'complaint', ${"Export is broken #" + i}, 'support', 'new')`;
    }
    await evaluate(ws, mig);
    const s = await state(ws, mig);
    expect(s.alerts).toHaveLength(1);
    expect(s.alerts[0]).toMatchObject({ rule: "Complaint spike", severity: "warning", action_taken: null });
    expect(s.rollout).toMatchObject({ stage: 2, status: "active" });
  });

  it("a success rate under 80 % switches the migration's flags off for that workspace only", async () => {
    const { ws, mig } = await setup(2);
    const [flag] = await db()`insert into public.feature_flags (key, migration_id, min_stage, enabled, rollout_bps)
                              values (${"gr-" + ws.slice(0, 8)}, ${mig}, 1, true, 10000) returning id`;
    const samples: Sample[] = [];
    // 70 % success: the sequential test needs ~300 samples to place the rate below 80 % with confidence
    for (let i = 0; i < 300; i++) samples.push({ variant: "new", metric: "success", value: i % 10 < 7 ? 1 : 0 });
    await storeSamples(ws, mig, fresh(samples));
    await evaluate(ws, mig);
    const s = await state(ws, mig);
    expect(s.alerts.map((a) => a.action_taken)).toEqual(["flags disabled for the workspace"]);
    expect(s.rollout).toMatchObject({ stage: 2, status: "active" });
    const [o] = await db()`select value from public.flag_overrides where flag_id = ${flag.id} and workspace_id = ${ws}`;
    expect(o.value).toBe(false);
  });

  it("resolves an alert by itself after a clean window", async () => {
    const { ws, mig } = await setup(2);
    await db()`insert into public.guardrail_rules (name, migration_id, statistic, metric, comparison, operator, threshold, window_minutes, min_samples, severity, action)
               values ('Quality floor', ${mig}, 'metric_mean', 'quality', 'absolute', '<', 0.5, 1, 5, 'warning', 'alert')`;
    await storeSamples(ws, mig, fresh(Array.from({ length: 10 }, () => ({ variant: "new" as const, metric: "quality", value: 0.2 }))));
    await evaluate(ws, mig);
    expect((await state(ws, mig)).alerts[0]).toMatchObject({ rule: "Quality floor", state: "open" });
    // Time passes: the breach is older than the rule's window, and fresh data is clean.
    await db()`update public.performance_alerts set last_breach_at = now() - interval '5 minutes' where workspace_id = ${ws}`;
    await db()`delete from public.metric_rollups where workspace_id = ${ws} and metric = 'quality'`;
    await storeSamples(ws, mig, fresh(Array.from({ length: 10 }, () => ({ variant: "new" as const, metric: "quality", value: 0.9 }))));
    await evaluate(ws, mig);
    const s = await state(ws, mig);
    expect(s.alerts[0]).toMatchObject({ state: "resolved", resolved_by: "system" });
    expect(s.deliveries.map((d) => d.event)).toEqual(["alert_opened", "alert_resolved"]);
  });
});

describe("alert inbox actions", () => {
  it("viewers cannot acknowledge or resolve; operators can, resolving needs a note", async () => {
    const { ws, mig } = await setup(2);
    await storeSamples(ws, mig, fresh(traffic(300, { newFactor: 1.6 })));
    await evaluate(ws, mig);
    const [{ id }] = await db()`select id from public.performance_alerts where workspace_id = ${ws}`;
    await expect(asUser(viewer, (tx) => tx`select public.acknowledge_alert(${id}, 'looking')`)).rejects.toThrow(/needs the operator role/);
    await expect(asUser(viewer, (tx) => tx`select public.resolve_alert(${id}, 'fixed')`)).rejects.toThrow(/needs the operator role/);
    await expect(asAnon((tx) => tx`select public.resolve_alert(${id}, 'fixed')`)).rejects.toThrow(/permission denied/);
    await expect(asUser(viewer, (tx) => tx`update public.performance_alerts set state = 'resolved' where id = ${id}`)).rejects.toThrow(/permission denied/);
    await asUser(operator, (tx) => tx`select public.acknowledge_alert(${id}, 'looking into the query plan')`);
    await expect(asUser(operator, (tx) => tx`select public.resolve_alert(${id}, '')`)).rejects.toThrow(/needs a note/);
    await asUser(operator, (tx) => tx`select public.resolve_alert(${id}, 'index added, p95 back to normal')`);
    const [a] = await db()`select state, acknowledged_by, resolved_by, note from public.performance_alerts where id = ${id}`;
    expect(a).toMatchObject({ state: "resolved", acknowledged_by: operator.email, resolved_by: operator.email });
    expect(a.note).toContain("index added");
    const audit = await db()`select action from public.audit_events where target_id = ${String(id)} order by id`;
    expect(audit.map((x) => x.action)).toEqual(["alert.acknowledge", "alert.resolve"]);
  });

  it("rules and channels are admin-only to change", async () => {
    for (const u of [viewer, operator]) {
      expect((await asUser(u, (tx) => tx`update public.guardrail_rules set threshold = 99`)).count).toBe(0);
      await expect(asUser(u, (tx) => tx`insert into public.notification_channels (name, kind, url) values ('x', 'slack', 'http://127.0.0.1/x')`)).rejects.toThrow(/row-level security/);
      const seen = await asUser(u, (tx) => tx`select secret from public.notification_channels`);
      expect(seen).toHaveLength(0);
    }
  });
});
