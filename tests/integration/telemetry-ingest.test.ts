import { createHash, randomBytes, randomUUID } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { POST as postFeedback } from "../../app/api/v1/feedback/route";
import { POST as postMetrics } from "../../app/api/v1/metrics/route";
import { resetRateLimits } from "../../lib/telemetry/rate-limit";
import { closeDb, createWorkspace, db } from "../helpers/db";

// POST /api/v1/metrics and /api/v1/feedback through the real route handlers and
// the real database: every refusal writes nothing; accepted batches land once.
type Ws = Awaited<ReturnType<typeof createWorkspace>>;
let ws: Ws, other: Ws, notEnrolled: Ws;

async function token(opts: { scopes?: string[]; workspaces?: string[] | null } = {}) {
  const raw = `rc_${randomBytes(32).toString("base64url")}`;
  const hash = createHash("sha256").update(raw).digest("hex");
  const [t] = await db()<{ id: string }[]>`
    insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids, scopes)
    values ('telemetry test', ${hash}, ${raw.slice(0, 8)}, ${opts.workspaces === undefined ? null : opts.workspaces},
            ${opts.scopes ?? ["metrics:write", "feedback:write"]})
    returning id`;
  return { raw, id: t.id };
}

function request(url: string, body: unknown, opts: { token?: string; auth?: string; type?: string | null; key?: string; raw?: string } = {}) {
  const headers: Record<string, string> = {};
  if (opts.type !== null) headers["content-type"] = opts.type ?? "application/json";
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  else if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.key) headers["idempotency-key"] = opts.key;
  return new Request(url, { method: "POST", headers, body: opts.raw ?? JSON.stringify(body) });
}
const metrics = (body: unknown, opts: Parameters<typeof request>[2] = {}) => postMetrics(request("http://127.0.0.1/api/v1/metrics", body, opts));
const feedback = (body: unknown, opts: Parameters<typeof request>[2] = {}) => postFeedback(request("http://127.0.0.1/api/v1/feedback", body, opts));

const sample = (w: Ws, extra: Record<string, unknown> = {}) => ({ workspace: w.slug, migration: "lead-centric", variant: "new", metric: "latency_ms", value: 120, ...extra });

async function counts(w: Ws) {
  const [r] = await db()<{ raw: number; rollups: number; feedback: number }[]>`
    select (select count(*)::int from public.performance_metrics where workspace_id = ${w.id}) as raw,
           (select count(*)::int from public.metric_rollups where workspace_id = ${w.id}) as rollups,
           (select count(*)::int from public.feedback_tracking where workspace_id = ${w.id}) as feedback`;
  return r;
}

let writer: { raw: string; id: string };
beforeAll(async () => {
  [ws, other, notEnrolled] = await Promise.all([
    createWorkspace({ migrationKey: "lead-centric", stage: 2 }),
    createWorkspace({ migrationKey: "lead-centric", stage: 1 }),
    createWorkspace({}),
  ]);
  writer = await token();
});
afterEach(() => {
  vi.unstubAllEnvs();
  resetRateLimits();
});
afterAll(closeDb);

describe("metrics ingest: refusals write nothing", () => {
  it("401 without a token, with a malformed one and with an unknown one", async () => {
    for (const auth of ["", "Basic abc", "Bearer nope", "Bearer rc_unknown"]) {
      const res = await metrics([sample(ws)], { auth });
      expect(res.status, auth).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
    expect((await counts(ws)).raw).toBe(0);
  });

  it("401 on the very next batch after revocation", async () => {
    const t = await token();
    expect((await metrics([sample(other)], { token: t.raw })).status).toBe(200);
    await db()`update public.ingest_tokens set revoked_at = now() where id = ${t.id}`;
    const before = await counts(other);
    const res = await metrics([sample(other)], { token: t.raw });
    expect(res.status).toBe(401);
    expect(await counts(other)).toEqual(before);
  });

  it("403 without the metrics:write scope", async () => {
    const t = await token({ scopes: ["state:read", "feedback:write"] });
    const res = await metrics([sample(ws)], { token: t.raw });
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/metrics:write/);
  });

  it("a workspace outside the token's scope is answered like an unknown one (422), naming the first item across the line", async () => {
    const allowed = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const t = await token({ workspaces: [allowed.id] });
    const res = await metrics([sample(allowed), sample(allowed), sample(ws), sample(allowed)], { token: t.raw });
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error).toMatchObject({ index: 2, field: "workspace" });
    expect(error.message).toBe(`samples[2].workspace: unknown workspace '${ws.slug}' (or one this token may not write for)`);
    expect((await counts(ws)).raw).toBe(0);
    expect((await counts(allowed)).raw).toBe(0);
  });

  it("415 for a body that is not JSON, 400 for malformed JSON", async () => {
    expect((await metrics([sample(ws)], { token: writer.raw, type: "text/plain" })).status).toBe(415);
    expect((await metrics([sample(ws)], { token: writer.raw, type: null })).status).toBe(415);
    const res = await metrics(null, { token: writer.raw, raw: '[{"workspace": ' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toMatch(/^Malformed JSON/);
  });

  it("413 over 5 000 samples and over the byte limit", async () => {
    const res = await metrics(new Array(5001).fill(sample(ws)), { token: writer.raw });
    expect(res.status).toBe(413);
    const huge = await metrics(null, { token: writer.raw, raw: `[${" ".repeat(5 * 1024 * 1024)}]` });
    expect(huge.status).toBe(413);
    expect((await counts(ws)).raw).toBe(0);
  });

  it.each([
    ["wrong type", { value: "fast" }, 422, "value", "expected a finite number"],
    ["non-finite value", { value: "__INF__" }, 422, "value", "expected a finite number"],
    ["bad variant", { variant: "newer" }, 422, "variant", '"old" or "new"'],
    ["time too far in the future", { time: new Date(Date.now() + 3_600_000).toISOString() }, 422, "time", "in the future"],
    ["unknown workspace", { workspace: "no-such-workspace" }, 422, "workspace", "unknown workspace 'no-such-workspace' (or one this token may not write for)"],
    ["unknown migration", { migration: "no-such-plan" }, 422, "migration", "unknown migration 'no-such-plan' (or one this item's workspace is not enrolled in)"],
  ])("422 for %s, naming index and field", async (_name, extra, status, field, message) => {
    const batch = [sample(ws), sample(ws, { metric: "error", value: 0 }), sample(ws, extra), sample(ws, extra)];
    // JSON cannot spell Infinity; 1e999 is how it arrives (and parses to Infinity).
    const raw = JSON.stringify(batch).replace('"__INF__"', "1e999");
    const res = await metrics(null, { token: writer.raw, raw });
    expect(res.status).toBe(status);
    const { error } = await res.json();
    expect(error).toMatchObject({ index: 2, field });
    expect(error.message).toContain(`samples[2].${field}: `);
    expect(error.message).toContain(message);
    expect(await counts(ws)).toEqual({ raw: 0, rollups: 0, feedback: 0 });
  });

  it("422 for a workspace not enrolled in the migration", async () => {
    const res = await metrics([sample(ws), sample(notEnrolled)], { token: writer.raw });
    expect(res.status).toBe(422);
    const { error } = await res.json();
    expect(error).toMatchObject({ index: 1, field: "migration" });
    expect(error.message).toBe("samples[1].migration: unknown migration 'lead-centric' (or one this item's workspace is not enrolled in)");
    expect((await counts(ws)).raw).toBe(0);
  });

  it("a scoped token gets one answer for 'not yours' and 'does not exist', for workspaces and migrations", async () => {
    const mine = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const t = await token({ workspaces: [mine.id] });
    const answer = async (extra: Record<string, unknown>, name: string) => {
      const res = await metrics([sample(mine, extra)], { token: t.raw });
      return { status: res.status, body: JSON.stringify(await res.json()).replaceAll(name, "<name>") };
    };
    // Workspaces: another tenant's existing slug vs a slug nobody has.
    expect(await answer({ workspace: ws.slug }, ws.slug)).toEqual(await answer({ workspace: "zz-no-such-ws" }, "zz-no-such-ws"));
    // Migrations: an existing plan the workspace is not enrolled in vs a key that does not exist.
    const [plan] = await db()`select key from public.migrations where key <> 'lead-centric' order by key limit 1`;
    expect(await answer({ migration: plan.key }, plan.key)).toEqual(await answer({ migration: "zz-no-such-plan" }, "zz-no-such-plan"));
  });

  it("429 with Retry-After past the per-token rate limit", async () => {
    vi.stubEnv("INGEST_RATE_LIMIT_PER_SEC", "0.5");
    vi.stubEnv("INGEST_RATE_LIMIT_BURST", "2");
    const t = await token({ workspaces: [other.id] });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await metrics([sample(other)], { token: t.raw })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const res = await metrics([sample(other)], { token: t.raw });
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("an anonymous caller of the SQL function with a made-up token hash writes nothing", async () => {
    const r = await db().begin(async (tx) => {
      await tx`set local role anon`;
      const [row] = await tx`select public.ingest_metrics(${"0".repeat(64)}, null, 'x', ${[ws.slug]}::text[], array['lead-centric'], array['latency_ms'],
        '{1,1}'::int[], '{1}'::int[], '{1}'::int[], '{1}'::int[], '{t}'::boolean[], '{5}'::float8[], '{NULL}'::float8[]) as r`;
      return row.r;
    });
    expect(r).toEqual({ error: "invalid_token" });
    expect((await counts(ws)).raw).toBe(0);
  });
});

describe("metrics ingest: accepted batches", () => {
  it("stores raw samples and rollups in one go", async () => {
    const w = await createWorkspace({ migrationKey: "ai-pipeline", stage: 1 });
    const t = new Date(Date.now() - 60_000).toISOString();
    const batch = [
      ...[10, 20, 30].map((value) => ({ workspace: w.slug, migration: "ai-pipeline", variant: "new", metric: "latency_ms", value, time: t })),
      { workspace: w.slug, migration: "ai-pipeline", variant: "old", metric: "quality", value: 0.9 },
    ];
    const res = await metrics({ samples: batch }, { token: writer.raw });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 4, replayed: false });
    expect((await counts(w)).raw).toBe(4);
    const rollups = await db()`select metric, variant, n::int, sum, min, max from public.metric_rollups where workspace_id = ${w.id} order by metric`;
    expect(rollups).toEqual([
      { metric: "latency_ms", variant: "new", n: 3, sum: 60, min: 10, max: 30 },
      { metric: "quality", variant: "old", n: 1, sum: 0.9, min: 0.9, max: 0.9 },
    ]);
    const [{ tiers }] = await db()`select count(*)::int as tiers from public.metric_rollups_coarse where migration_id = ${w.migrationId!} and workspace_id = ${w.id}`;
    expect(tiers).toBe(4); // 10-minute and hourly rows for each of the two series
  });

  it("an Idempotency-Key makes a retried batch land once, also when retried concurrently", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const body = [sample(w), sample(w, { value: 130 })];
    const key = randomUUID();
    const first = await metrics(body, { token: writer.raw, key });
    expect(first.status).toBe(200);
    const again = await metrics(body, { token: writer.raw, key });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: 2, replayed: true });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    const key2 = randomUUID();
    const results = await Promise.all([1, 2, 3].map(() => metrics(body, { token: writer.raw, key: key2 })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await counts(w)).raw).toBe(4);
    const [{ n }] = await db()`select sum(n)::int as n from public.metric_rollups where workspace_id = ${w.id}`;
    expect(n).toBe(4);
  });

  it("concurrent batches are written together, yet each is accepted or refused on its own", async () => {
    const [a, b] = await Promise.all([createWorkspace({ migrationKey: "lead-centric", stage: 1 }), createWorkspace({ migrationKey: "lead-centric", stage: 1 })]);
    const scopedToA = await token({ workspaces: [a.id] });
    const key = randomUUID();
    const sends = [
      metrics([sample(a), sample(a, { value: 1 })], { token: writer.raw }),
      metrics([sample(b)], { token: scopedToA.raw }), // refused: B is outside the token's scope
      metrics([sample(b), sample(b, { metric: "error", value: 0 }), sample(b, { metric: "error", value: 1 })], { token: writer.raw, key }),
      metrics([sample(b), sample(b, { metric: "error", value: 0 }), sample(b, { metric: "error", value: 1 })], { token: writer.raw, key }), // same key and body
      metrics([sample(a, { workspace: "nope-nope" })], { token: writer.raw }), // refused: unknown workspace
    ];
    const res = await Promise.all(sends);
    expect(res.map((r) => r.status)).toEqual([200, 422, 200, 200, 422]);
    const bodies = await Promise.all(res.map((r) => r.json()));
    // The two copies of the keyed batch: one lands, the other is answered as its replay (either order).
    expect([bodies[2], bodies[3]].map((b) => b.replayed).sort()).toEqual([false, true]);
    expect([bodies[2].accepted, bodies[3].accepted]).toEqual([3, 3]);
    expect((await counts(a)).raw).toBe(2);
    expect((await counts(b)).raw).toBe(3);
  });

  it("ingest_metric_batches stores the accepted batches of a group and only those", async () => {
    const [a, b] = await Promise.all([createWorkspace({ migrationKey: "lead-centric", stage: 1 }), createWorkspace({ migrationKey: "lead-centric", stage: 1 })]);
    const scopedToA = await token({ workspaces: [a.id] });
    const hash = (raw: string) => createHash("sha256").update(raw).digest("hex");
    // Batch 1 (writer): 2 samples for A. Batch 2 (scoped to A): 1 sample for B -> refused.
    const meta = [
      { t: hash(writer.raw), k: null, h: "h1", n: 2, w: [1], m: [1], p: [1, 1] },
      { t: hash(scopedToA.raw), k: null, h: "h2", n: 1, w: [2], m: [1], p: [1, 1] },
    ];
    const results = await db().begin(async (tx) => {
      await tx`set local role anon`;
      const [row] = await tx`select public.ingest_metric_batches(${tx.json(meta)}, ${[a.slug, b.slug]}::text[], array['lead-centric'], array['latency_ms'],
        '{1,1,2}'::int[], '{1,1,2}'::int[], '{1,1,1}'::int[], '{1,1,1}'::int[], '{t,t,t}'::boolean[], '{10,20,30}'::float8[], '{NULL,NULL,NULL}'::float8[]) as r`;
      return row.r;
    });
    expect(results[0]).toMatchObject({ accepted: 2, workspace_ids: [a.id] });
    expect(results[1]).toEqual({ error: "workspace_not_allowed", workspace: b.slug });
    expect((await counts(a)).raw).toBe(2);
    expect((await counts(b)).raw).toBe(0);
    const [{ n }] = await db()`select sum(n)::int as n from public.metric_rollups where workspace_id = ${a.id}`;
    expect(n).toBe(2);
  });

  it("refuses an Idempotency-Key reused for a different batch", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const key = randomUUID();
    expect((await metrics([sample(w)], { token: writer.raw, key })).status).toBe(200);
    const res = await metrics([sample(w, { value: 1 })], { token: writer.raw, key });
    expect(res.status).toBe(422);
    expect((await res.json()).error.message).toMatch(/Idempotency-Key/);
    expect((await counts(w)).raw).toBe(1);
  });

  it("records when the token was last used", async () => {
    const t = await token();
    expect((await metrics([sample(other)], { token: t.raw })).status).toBe(200);
    const [row] = await db()`select last_used_at from public.ingest_tokens where id = ${t.id}`;
    expect(row.last_used_at).toBeInstanceOf(Date);
  });
});

describe("feedback ingest", () => {
  const item = (w: Ws, extra: Record<string, unknown> = {}) => ({ workspace: w.slug, migration: "lead-centric", kind: "complaint", message: "Leads page is slow", source: "in-app widget", ...extra });

  it("stores items with the workspace's stage at receipt", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 3 });
    const res = await feedback({ items: [item(w), item(w, { kind: "rating", rating: 2, message: undefined, variant: "new", context: { page: "/leads" } }), item(w, { kind: "rating", rating: 5 })] }, { token: writer.raw });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3, replayed: false });
    const rows = await db()`select stage, kind, rating, variant, context from public.feedback_tracking where workspace_id = ${w.id} order by id`;
    expect(rows.map((r) => r.stage)).toEqual([3, 3, 3]);
    expect(rows[1]).toMatchObject({ kind: "rating", rating: 2, variant: "new", context: { page: "/leads" } });
    const [{ n }] = await db()`select public.negative_feedback_count(${w.id}, ${w.migrationId!}, now() - interval '1 hour', now() + interval '1 minute') as n`;
    expect(Number(n)).toBe(2);
  });

  it("refuses bad items by index and field, writing nothing", async () => {
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const res = await feedback([item(w), item(w, { kind: "rating" })], { token: writer.raw });
    expect(res.status).toBe(422);
    expect((await res.json()).error).toMatchObject({ index: 1, field: "rating" });
    const scoped = await token({ workspaces: [other.id] });
    expect((await feedback([item(w)], { token: scoped.raw })).status).toBe(422);
    const noScope = await token({ scopes: ["metrics:write"] });
    expect((await feedback([item(w)], { token: noScope.raw })).status).toBe(403);
    expect((await counts(w)).feedback).toBe(0);
  });
});
