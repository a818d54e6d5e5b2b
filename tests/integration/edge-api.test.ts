import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEdge } from "../../lib/edge/main";
import { closeDb, createWorkspace, db } from "../helpers/db";
import { bearer, makeFlag, makeToken, settle, startTestEdge, until } from "../helpers/edge";

// The edge's state endpoint against the real database: every refusal, ETag/304,
// changes and revocations arriving by NOTIFY, a missed notification healed by
// the version counter, and the database going away (stale answers with their age).
type Ws = Awaited<ReturnType<typeof createWorkspace>>;
let edge: RunningEdge;
let ws: Ws, other: Ws;

beforeAll(async () => {
  ws = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
  other = await createWorkspace({ migrationKey: "lead-centric", stage: 3 });
  edge = await startTestEdge();
});
afterAll(async () => {
  await edge?.stop();
  await closeDb();
});

const state = (slug: string, headers: Record<string, string> = {}, query = "") => fetch(`${edge.url}/api/v1/workspaces/${slug}/state${query}`, { headers });

describe("edge state: refusals", () => {
  it("401 without a token, with a malformed one and with an unknown one", async () => {
    await settle(edge);
    for (const auth of [undefined, "", "Basic abc", "Bearer nope", "Bearer rc_unknown"]) {
      const res = await state(ws.slug, auth === undefined ? {} : { authorization: auth });
      expect(res.status, String(auth)).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await res.json()).error.message).toMatch(/token/i);
    }
  });

  it("a revoked token is refused within a second (polled), without any request touching the database", async () => {
    const t = await makeToken();
    await settle(edge);
    expect((await state(ws.slug, bearer(t.raw))).status).toBe(200);
    await db()`update public.ingest_tokens set revoked_at = now() where id = ${t.id}`;
    await until(async () => (await state(ws.slug, bearer(t.raw))).status === 401, 1000 * 5, "revocation on the edge");
    const res = await state(ws.slug, bearer(t.raw));
    expect((await res.json()).error.message).toBe("Invalid or revoked token");
  });

  it("403 without the state:read scope", async () => {
    const t = await makeToken({ scopes: ["metrics:write", "feedback:write"] });
    await settle(edge);
    const res = await state(ws.slug, bearer(t.raw));
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/state:read/);
  });

  it("a token scoped to workspace A gets the same 404 for B as for a workspace that does not exist", async () => {
    const t = await makeToken({ workspaces: [ws.id] });
    await settle(edge);
    expect((await state(ws.slug, bearer(t.raw))).status).toBe(200);
    const notMine = await state(other.slug, bearer(t.raw));
    const missing = await state("no-such-workspace-x", bearer(t.raw));
    expect(notMine.status).toBe(404);
    expect(missing.status).toBe(404);
    const a = (await notMine.json()).error.message as string;
    const b = (await missing.json()).error.message as string;
    expect(a.replace(other.slug, "X")).toBe(b.replace("no-such-workspace-x", "X"));
    expect(a).not.toMatch(/exist|forbidden|scope/i);
  });

  it("400 for an invalid unit, 404 for an invalid slug, never a 5xx", async () => {
    const t = await makeToken();
    await settle(edge);
    expect((await state(ws.slug, bearer(t.raw), "?unit=")).status).toBe(400);
    expect((await state(ws.slug, bearer(t.raw), `?unit=${"x".repeat(201)}`)).status).toBe(400);
    expect((await state(ws.slug, bearer(t.raw), "?unit=a%00b")).status).toBe(400);
    expect((await state(ws.slug, bearer(t.raw), "?unit=a&unit=b")).status).toBe(400);
    expect((await state("UPPER", bearer(t.raw))).status).toBe(404);
    expect((await state("%E2%82", bearer(t.raw))).status).toBeLessThan(500);
  });
});

describe("edge state: ETag and changes", () => {
  it("strong ETag, 304 on If-None-Match (also in a list and weak), 200 again after a change", async () => {
    const t = await makeToken();
    await settle(edge);
    const first = await state(ws.slug, bearer(t.raw));
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("no-cache");
    expect(first.headers.get("content-type")).toMatch(/application\/json/);
    const etag = first.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const doc = await first.json();
    expect(doc.workspace.slug).toBe(ws.slug);
    expect(doc.migrations["lead-centric"].stage).toBe(1);
    // Other test files share the database and may change a global flag meanwhile (a
    // new ETag, rightly): take the current ETag again until one holds for all four forms.
    await until(async () => {
      const tag = (await state(ws.slug, bearer(t.raw))).headers.get("etag")!;
      for (const inm of [tag, `"x", ${tag}`, `W/${tag}`, "*"]) {
        if ((await state(ws.slug, { ...bearer(t.raw), "if-none-match": inm })).status !== 304) return false;
      }
      return true;
    }, 30_000, "304 for every form of If-None-Match");

    // A stage change committed by the SQL transition reaches the edge by NOTIFY.
    await db()`update public.workspace_rollouts set stage = 2 where workspace_id = ${ws.id}`;
    await until(async () => (await (await state(ws.slug, bearer(t.raw))).json()).migrations["lead-centric"].stage === 2, 30_000, "stage change on the edge");
    const changed = await state(ws.slug, { ...bearer(t.raw), "if-none-match": etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get("etag")).not.toBe(etag);
  });

  it("flag changes and per-workspace overrides show up; a unit gets its own evaluation", async () => {
    const t = await makeToken();
    const f = await makeFlag({ bps: 5000 });
    await until(async () => Boolean((await (await state(ws.slug, bearer(t.raw))).json()).flags?.[f.key]), 30_000, "new flag on the edge");
    await db()`select public.set_flag_override(${f.id}, ${ws.id}, false, 'test')`;
    await until(async () => (await (await state(ws.slug, bearer(t.raw), "?unit=u1")).json()).flags?.[f.key]?.reason === "override", 30_000, "override on the edge");
    await db()`select public.kill_feature_flag(${f.id}, 'test')`;
    await until(async () => (await (await state(other.slug, bearer(t.raw))).json()).flags[f.key].reason === "killed", 30_000, "kill on the edge");
  });

  it("a missed notification is healed by the version counter", async () => {
    const t = await makeToken();
    await settle(edge);
    const before = edge.cache.resyncs;
    // A change whose NOTIFY never arrives: the version moves without one (nextval outside the triggers).
    await db()`select nextval('app_private.edge_state_version')`;
    await until(() => edge.cache.resyncs > before, 30_000, "resync after a version gap");
    expect((await state(ws.slug, bearer(t.raw))).status).toBe(200);
  });
});

describe("edge state: database unreachable", () => {
  it("keeps answering from memory with the state's age; health says degraded, then ok again", async () => {
    // The edge reaches Postgres through a TCP proxy the test can cut.
    const target = new URL(process.env.TEST_DATABASE_URL!);
    const sockets = new Set<net.Socket>();
    let open = true;
    const proxy = net.createServer((client) => {
      if (!open) return client.destroy();
      const upstream = net.connect(Number(target.port), target.hostname);
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const drop = () => (client.destroy(), upstream.destroy());
      client.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const via = new URL(target);
    via.hostname = "127.0.0.1";
    via.port = String((proxy.address() as net.AddressInfo).port);
    const t = await makeToken();
    const e2 = await startTestEdge({ databaseUrl: via.toString() });
    try {
      const h = async () => (await (await fetch(`${e2.url}/health`)).json()).status as string;
      expect(await h()).toBe("ok");
      open = false;
      for (const s of sockets) s.destroy();
      await until(async () => (await h()) === "degraded", 60_000, "degraded health");
      const res = await fetch(`${e2.url}/api/v1/workspaces/${ws.slug}/state`, { headers: bearer(t.raw) });
      expect(res.status).toBe(200);
      expect(Number(res.headers.get("x-rollout-state-age"))).toBeGreaterThanOrEqual(0);
      open = true;
      await until(async () => (await h()) === "ok", 60_000, "health back to ok");
      const fresh = await fetch(`${e2.url}/api/v1/workspaces/${ws.slug}/state`, { headers: bearer(t.raw) });
      expect(fresh.headers.get("x-rollout-state-age")).toBeNull();
    } finally {
      await e2.stop();
      for (const s of sockets) s.destroy();
      proxy.close();
    }
  });
});
