import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callAction, Cluster, createOperatorCookie, createPlan, createToken, createWorkspaces, killAll, say, serverActionId, sleep, startApp, waitFor, type Sql } from "./harness";

// Postgres stopped (fast shutdown: open connections are cut) and started again
// while two app instances take ingest batches, page and API reads and stage
// transitions through the server action. Bounds are for waiting only.
const cluster = new Cluster("pg-faults-restart", Number(process.env.FAULTS_PG_PORT ?? 54372) );
const PORTS = [Number(process.env.FAULTS_APP_PORT ?? 3510), Number(process.env.FAULTS_APP_PORT ?? 3510) + 1];
const DOWN_MS = 8_000;
const BATCH = 200;
const HANG_MS = 20_000; // a request slower than this counts as hung

let url: string;
let sql: Sql;
let apps: { base: string; proc: import("node:child_process").ChildProcess; output: () => string }[] = [];
let plan: { id: string; key: string };
let workspaces: { id: string; slug: string }[];
let token: string;
let cookie: string;

interface Seen { kind: string; status: number; retryAfter: boolean; start: number; end: number; app: number; detail?: string; friendly?: boolean }
const seen: Seen[] = [];

beforeAll(async () => {
  await cluster.start();
  url = await cluster.database("rc_faults_restart");
  sql = postgres(url, { max: 4, onnotice: () => {} });
  plan = await createPlan(sql, 40);
  workspaces = await createWorkspaces(sql, plan.id, 6);
  token = await createToken(sql);
  cookie = await createOperatorCookie(sql);
  apps = await Promise.all(PORTS.map((p) => startApp(url, p)));
}, 180_000);

afterAll(async () => {
  await killAll();
  await sql?.end({ timeout: 1 }).catch(() => {});
  await cluster.start().catch(() => {}); // make sure it runs so the database can be dropped
  if (url) await cluster.drop(url);
  await cluster.stop();
}, 120_000);

async function timed(kind: string, app: number, f: () => Promise<Response>): Promise<Seen> {
  const start = Date.now();
  let s: Seen;
  try {
    const res = await f();
    const body = await res.text();
    s = {
      kind, status: res.status, retryAfter: res.headers.has("retry-after"), start, end: Date.now(), app,
      detail: res.status >= 500 ? body.slice(0, 200) : undefined,
      // A page whose server render failed answers Next.js's error shell; the browser then
      // renders the error boundary (app/error.tsx: "database may be restarting", retries).
      friendly: body.includes('id="__next_error__"'),
    };
  } catch (e) {
    // 0: no HTTP answer at all (the process is gone, or it hung past HANG_MS)
    s = { kind, status: 0, retryAfter: false, start, end: Date.now(), app, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
  }
  seen.push(s);
  return s;
}

// A client retries with the very body it sent first (same Idempotency-Key, same
// samples): a different body under a used key is refused with 422, as it should be.
const bodies = new Map<number, { samples: unknown[] }>();
function batchBody(n: number) {
  const sent = bodies.get(n);
  if (sent) return sent;
  const now = Date.now();
  const body = {
    samples: Array.from({ length: BATCH }, (_, i) => ({
      workspace: workspaces[(n + i) % workspaces.length].slug,
      migration: plan.key,
      variant: i % 2 ? "new" : "old",
      // The batch number is the marker: every row of batch n has value n.
      metric: "fault_probe",
      value: n,
      time: now - i,
    })),
  };
  bodies.set(n, body);
  return body;
}

const postBatch = (n: number, app: number) =>
  timed("ingest", app, () =>
    fetch(`${apps[app].base}/api/v1/metrics`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Idempotency-Key": `fault-batch-${n}` },
      body: JSON.stringify(batchBody(n)),
      signal: AbortSignal.timeout(HANG_MS),
    }),
  );

describe("Postgres restart under load", () => {
  it("answers 503 with Retry-After while down, recovers by itself, loses no batch or transition", async () => {
    const advanceId = serverActionId("app/(dashboard)/workspaces/[slug]/actions.ts", "advanceWorkspace");
    const rollbackId = serverActionId("app/(dashboard)/workspaces/[slug]/actions.ts", "rollbackWorkspace");
    let running = true;
    const batches = new Map<number, number>(); // batch number -> status the client saw
    const acknowledged: { ws: string; transitionId: string; to: number }[] = [];
    const actionOutcomes = new Map<string, number>();
    let nextBatch = 0;

    const ingestLoop = async (app: number) => {
      while (running) {
        const n = nextBatch++;
        batches.set(n, (await postBatch(n, app)).status);
        await sleep(100);
      }
    };
    const readLoop = async (app: number) => {
      const base = apps[app].base;
      const ws = workspaces[app].slug;
      const reads: [string, () => Promise<Response>][] = [
        ["health", () => fetch(`${base}/api/health`, { signal: AbortSignal.timeout(HANG_MS) })],
        ["page", () => fetch(`${base}/workspaces/${ws}`, { headers: { Cookie: cookie }, redirect: "manual", signal: AbortSignal.timeout(HANG_MS) })],
        ["fingerprint", () => fetch(`${base}/api/rollouts/fingerprint?migration=${plan.key}`, { headers: { Cookie: cookie }, signal: AbortSignal.timeout(HANG_MS) })],
        ["state", () => fetch(`${base}/api/v1/workspaces/${ws}/state`, { headers: { Authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(HANG_MS) })],
      ];
      while (running) {
        for (const [kind, f] of reads) await timed(kind, app, f);
        await sleep(150);
      }
    };
    // Each transition loop owns one workspace and knows its stage from the answers;
    // after an answer it cannot trust (an error), it re-reads the stage when it can.
    const transitionLoop = async (w: { id: string; slug: string }, app: number) => {
      let stage: number | null = 0;
      while (running) {
        if (stage === null) {
          try {
            const [r] = await sql<{ stage: number }[]>`select stage from public.workspace_rollouts where workspace_id = ${w.id} and migration_id = ${plan.id}`;
            stage = r.stage;
          } catch {
            await sleep(300);
            continue;
          }
        }
        const back = stage >= 39;
        const input = back
          ? { workspace: w.slug, migration: plan.key, toStage: 0, expectedStage: stage, reason: "fault suite: back to start" }
          : { workspace: w.slug, migration: plan.key, expectedStage: stage, reason: "fault suite" };
        const start = Date.now();
        let status = 0;
        let result: Record<string, unknown> | null = null;
        try {
          ({ status, result } = await callAction(apps[app].base, `/workspaces/${w.slug}`, back ? rollbackId : advanceId, cookie, input, HANG_MS));
        } catch (e) {
          seen.push({ kind: "action", status: 0, retryAfter: false, start, end: Date.now(), app, detail: String(e) });
        }
        if (status) seen.push({ kind: "action", status, retryAfter: false, start, end: Date.now(), app });
        const data = result?.data as { ok?: boolean; transition_id?: string; to_stage?: number } | undefined;
        const outcome = data?.ok ? "ok" : data ? "refused" : result?.error ? `error: ${String(result.error).slice(0, 60)}` : `http ${status}`;
        actionOutcomes.set(outcome, (actionOutcomes.get(outcome) ?? 0) + 1);
        if (data?.ok && data.transition_id) {
          acknowledged.push({ ws: w.id, transitionId: String(data.transition_id), to: Number(data.to_stage) });
          stage = Number(data.to_stage);
        } else {
          stage = null;
        }
        await sleep(200);
      }
    };

    const loops = [
      ingestLoop(0), ingestLoop(1), readLoop(0), readLoop(1),
      ...workspaces.slice(0, 4).map((w, i) => transitionLoop(w, i % 2)),
    ];
    await sleep(4_000);
    say("stopping Postgres");
    await cluster.stop();
    const downAt = Date.now();
    await sleep(DOWN_MS);
    say("starting Postgres");
    await cluster.start();
    const upAt = Date.now();
    const recoveredAt = await Promise.all(apps.map(async (a) => {
      await waitFor("the app to answer 200 again", async () => (await fetch(`${a.base}/api/health`, { signal: AbortSignal.timeout(5_000) })).ok, 60_000, 100);
      return Date.now();
    }));
    await sleep(5_000);
    running = false;
    await Promise.all(loops);

    // ---- figures --------------------------------------------------------------
    const during = seen.filter((s) => s.start >= downAt && s.end <= upAt);
    const tally = (xs: Seen[]) => {
      const t: Record<string, number> = {};
      for (const s of xs) t[`${s.kind} ${s.status}`] = (t[`${s.kind} ${s.status}`] ?? 0) + 1;
      return t;
    };
    say(`requests in total: ${seen.length}; while down (${during.length}): ${JSON.stringify(tally(during))}`);
    say(`all statuses: ${JSON.stringify(tally(seen))}`);
    say(`recovery after Postgres accepted connections again: ${recoveredAt.map((t) => `${t - upAt} ms`).join(", ")}`);
    say(`slowest answer while down: ${Math.max(0, ...during.map((s) => s.end - s.start))} ms`);
    say(`server action outcomes: ${JSON.stringify(Object.fromEntries(actionOutcomes))}`);
    // Pages cannot answer 503 (Next.js renders an error boundary with 500); they must show the boundary.
    const odd = seen.filter((s) => s.status === 0 || (s.status >= 500 && s.status !== 503 && !(s.kind === "page" && s.friendly)));
    for (const s of odd.slice(0, 5)) say(`unexpected: ${s.kind} ${s.status} ${s.detail ?? ""}`);

    // ---- both processes are alive and healthy without a restart -------------
    for (const a of apps) expect(a.proc.exitCode, a.output()).toBeNull();
    // No hang, no crash, no bare 500: API answers are 200 or 503; pages 200 or the error boundary.
    expect(odd.map((s) => `${s.kind} ${s.status} ${s.detail ?? ""}`)).toEqual([]);
    // Every API 503 carries Retry-After.
    expect(seen.filter((s) => s.status === 503 && s.kind !== "action" && !s.retryAfter).map((s) => s.kind)).toEqual([]);
    // While down, the APIs answered 503 (and did answer).
    expect(during.filter((s) => s.kind === "health").every((s) => s.status === 503)).toBe(true);
    expect(during.filter((s) => s.kind === "ingest").length).toBeGreaterThan(0);
    expect(during.filter((s) => s.kind === "ingest").every((s) => s.status === 503)).toBe(true);
    // After recovery, everything answers normally again.
    const after = seen.filter((s) => s.start > Math.max(...recoveredAt) + 1_000);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((s) => s.kind !== "action" && s.kind !== "page" && s.status !== 200).map((s) => `${s.kind} ${s.status}`)).toEqual([]);
    expect(after.filter((s) => s.kind === "page" && s.status !== 200).map((s) => `${s.kind} ${s.status}`)).toEqual([]);

    // ---- batches: all-or-nothing, and exactly once after retries ------------------
    const counts = async () => {
      const rows = await sql<{ n: number; c: number }[]>`
        select value::int as n, count(*)::int as c from public.performance_metrics
        where migration_id = ${plan.id} and metric = 'fault_probe' group by value`;
      return new Map(rows.map((r) => [r.n, r.c]));
    };
    const before = await counts();
    const partial = [...before].filter(([, c]) => c !== BATCH);
    expect(partial).toEqual([]);
    const accepted = [...batches].filter(([, s]) => s === 200).map(([n]) => n);
    expect(accepted.filter((n) => before.get(n) !== BATCH)).toEqual([]);
    const failed = [...batches].filter(([, s]) => s !== 200).map(([n]) => n);
    const committedAnyway = failed.filter((n) => before.get(n) === BATCH);
    let replayed = 0;
    for (const n of failed) {
      const s = await postBatch(n, n % 2);
      expect(s.status, s.detail).toBe(200);
    }
    for (const n of committedAnyway) {
      // A batch stored although the client saw an error comes back as a replay.
      const res = await fetch(`${apps[0].base}/api/v1/metrics`, {
        method: "POST",
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Idempotency-Key": `fault-batch-${n}` },
        body: JSON.stringify(batchBody(n)),
      });
      if (res.headers.get("idempotent-replayed") === "true") replayed++;
    }
    const final = await counts();
    expect(final.size).toBe(batches.size);
    expect([...final].filter(([, c]) => c !== BATCH)).toEqual([]);
    say(`batches: ${batches.size} sent, ${accepted.length} accepted first time, ${failed.length} retried (${committedAnyway.length} of them had been stored before the error answer; ${replayed} replayed)`);

    // ---- transitions: every acknowledged one is stored; stages agree with history ----
    const ids = acknowledged.map((a) => a.transitionId);
    const [{ found }] = await sql<{ found: number }[]>`select count(*)::int as found from public.stage_transitions where id::text = any(${ids}::text[])`;
    expect(found).toBe(ids.length);
    expect(ids.length).toBeGreaterThan(0);
    const mismatched = await sql`
      select r.workspace_id, r.stage, (select t.to_stage from public.stage_transitions t
        where t.workspace_id = r.workspace_id and t.migration_id = r.migration_id order by t.id desc limit 1) as last_to
      from public.workspace_rollouts r where r.migration_id = ${plan.id}
        and r.stage is distinct from coalesce((select t.to_stage from public.stage_transitions t
          where t.workspace_id = r.workspace_id and t.migration_id = r.migration_id order by t.id desc limit 1), 0)`;
    expect(mismatched).toEqual([]);
    say(`transitions acknowledged: ${ids.length}, all stored`);
  }, 240_000);
});
