import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RolloutClient } from "../../clients/rollout-client/client";
import type { RunningEdge } from "../../lib/edge/main";
import { closeDb, createWorkspace, db } from "../helpers/db";
import { bearer, makeFlag, makeToken, openSse, settle, startTestEdge, until } from "../helpers/edge";

// Server-sent events from the edge: the initial state, pushed changes,
// heartbeats, Last-Event-ID resume, the per-token limit, revocation closing the
// stream, scope refusals; and RolloutClient following the stream.
type Ws = Awaited<ReturnType<typeof createWorkspace>>;
let edge: RunningEdge;
let ws: Ws, ws2: Ws, other: Ws;

beforeAll(async () => {
  ws = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
  ws2 = await createWorkspace({ migrationKey: "lead-centric", stage: 0 });
  other = await createWorkspace({ migrationKey: "lead-centric", stage: 2 });
  edge = await startTestEdge({ heartbeatMs: 150, streamsPerToken: 3 });
});
afterAll(async () => {
  await edge?.stop();
  await closeDb();
});

const streamUrl = (...slugs: string[]) => `${edge.url}/api/v1/stream${slugs.length ? "?" + slugs.map((s) => `workspace=${s}`).join("&") : ""}`;

describe("edge SSE", () => {
  it("sends each workspace's state, then ready, heartbeats, and pushes a change", async () => {
    const t = await makeToken();
    await settle(edge);
    const s = await openSse(streamUrl(ws.slug, ws2.slug), bearer(t.raw));
    try {
      expect(s.res.status).toBe(200);
      expect(s.res.headers.get("content-type")).toMatch(/^text\/event-stream/);
      await until(() => s.events.some((e) => e.event === "ready"), 30_000, "ready");
      const initial = s.events.filter((e) => e.event === "state").map((e) => JSON.parse(e.data));
      expect(initial.map((e) => e.workspace).sort()).toEqual([ws.slug, ws2.slug].sort());
      expect(initial[0].etag).toMatch(/^"[0-9a-f]{32}"$/);
      expect(initial.find((e) => e.workspace === ws.slug).state.migrations["lead-centric"].stage).toBe(1);
      await until(() => s.comments.length > 0, 30_000, "a heartbeat");

      await db()`update public.workspace_rollouts set stage = 2 where workspace_id = ${ws.id}`;
      await until(
        () => s.events.some((e) => e.event === "state" && JSON.parse(e.data).state.migrations["lead-centric"].stage === 2),
        5000,
        "the pushed change",
      );
      // Nothing is sent again unless it changed. (Other test files share the database
      // and may change a global flag meanwhile, which really changes ws2's state too.)
      const after = s.events.slice(s.events.findIndex((e) => e.event === "ready") + 1).filter((e) => e.event === "state");
      const lastEtag = new Map<string, string>(initial.map((e) => [e.workspace, e.etag]));
      for (const e of after) {
        const d = JSON.parse(e.data);
        expect(d.etag).not.toBe(lastEtag.get(d.workspace));
        lastEtag.set(d.workspace, d.etag);
      }
      expect(after.some((e) => JSON.parse(e.data).workspace === ws.slug)).toBe(true);
    } finally {
      await s.close();
    }
  });

  it("Last-Event-ID resumes: only what changed since is sent again", async () => {
    // Other test files change global flags in the same database, which really changes
    // every workspace's state: so "only what changed" is judged by the ETags, not by
    // expecting silence. A state sent again with the ETag it had is a resume bug.
    const stateOf = (s: { events: { event?: string; data: string }[] }) =>
      s.events.filter((e) => e.event === "state").map((e) => JSON.parse(e.data) as { workspace: string; etag: string });
    const t = await makeToken();
    await settle(edge);
    const a = await openSse(streamUrl(ws.slug, ws2.slug), bearer(t.raw));
    await until(() => a.events.some((e) => e.event === "ready"), 30_000, "ready");
    const lastId = a.events.at(-1)!.id!;
    const seen = new Map(stateOf(a).map((e) => [e.workspace, e.etag]));
    expect([...seen.keys()].sort()).toEqual([ws.slug, ws2.slug].sort());
    await a.close();

    const quiet = await openSse(streamUrl(ws.slug, ws2.slug), { ...bearer(t.raw), "last-event-id": lastId });
    await until(() => quiet.events.some((e) => e.event === "ready"), 30_000, "ready");
    expect(stateOf(quiet).filter((e) => seen.get(e.workspace) === e.etag)).toEqual([]);
    await quiet.close();

    await db()`update public.workspace_rollouts set stage = 1 where workspace_id = ${ws2.id}`;
    await settle(edge);
    const b = await openSse(streamUrl(ws.slug, ws2.slug), { ...bearer(t.raw), "last-event-id": lastId });
    await until(() => b.events.some((e) => e.event === "ready"), 30_000, "ready");
    const sent = stateOf(b);
    expect(sent.map((e) => e.workspace)).toContain(ws2.slug);
    expect(sent.filter((e) => seen.get(e.workspace) === e.etag)).toEqual([]);
    await b.close();

    // An id from elsewhere (another replica, garbage) gets everything.
    const c = await openSse(streamUrl(ws.slug, ws2.slug), { ...bearer(t.raw), "last-event-id": "nonsense\u00e9" });
    await until(() => c.events.some((e) => e.event === "ready"), 30_000, "ready");
    expect(c.events.filter((e) => e.event === "state")).toHaveLength(2);
    await c.close();
  });

  it("refuses the stream over the per-token limit with a 429 that says why", async () => {
    const t = await makeToken();
    await settle(edge);
    const open = [];
    for (let i = 0; i < 3; i++) open.push(await openSse(streamUrl(ws.slug), bearer(t.raw)));
    try {
      expect(open.map((s) => s.res.status)).toEqual([200, 200, 200]);
      const res = await fetch(streamUrl(ws.slug), { headers: bearer(t.raw) });
      expect(res.status).toBe(429);
      expect(res.headers.get("retry-after")).toBe("5");
      expect((await res.json()).error.message).toMatch(/open streams.*limit 3/);
      // Another token is not affected.
      const t2 = await makeToken();
      await settle(edge);
      const s2 = await openSse(streamUrl(ws.slug), bearer(t2.raw));
      expect(s2.res.status).toBe(200);
      await s2.close();
    } finally {
      for (const s of open) await s.close();
    }
    // Closed streams free their slots.
    await until(async () => {
      const s = await openSse(streamUrl(ws.slug), bearer(t.raw));
      const ok = s.res.status === 200;
      await s.close();
      return ok;
    }, 30_000, "a slot after closing");
  });

  it("a revoked token's stream is closed; refusals for no token, no scope, another workspace", async () => {
    const t = await makeToken({ workspaces: [ws.id] });
    const noScope = await makeToken({ scopes: ["metrics:write"] });
    const unscoped = await makeToken();
    await settle(edge);
    expect((await fetch(streamUrl(ws.slug))).status).toBe(401);
    expect((await fetch(streamUrl(ws.slug), { headers: bearer("rc_wrong") })).status).toBe(401);
    expect((await fetch(streamUrl(ws.slug), { headers: bearer(noScope.raw) })).status).toBe(403);
    const notMine = await fetch(streamUrl(other.slug), { headers: bearer(t.raw) });
    const missing = await fetch(streamUrl("no-such-ws"), { headers: bearer(t.raw) });
    expect([notMine.status, missing.status]).toEqual([404, 404]);
    expect((await notMine.json()).error.message.replace(other.slug, "X")).toBe((await missing.json()).error.message.replace("no-such-ws", "X"));
    expect((await fetch(streamUrl(), { headers: bearer(unscoped.raw) })).status).toBe(400);

    // Without names, a scoped token follows its workspaces.
    const s = await openSse(streamUrl(), bearer(t.raw));
    await until(() => s.events.some((e) => e.event === "ready"), 30_000, "ready");
    expect(s.events.filter((e) => e.event === "state").map((e) => JSON.parse(e.data).workspace)).toEqual([ws.slug]);
    await db()`update public.ingest_tokens set revoked_at = now() where id = ${t.id}`;
    await until(() => s.ended(), 30_000, "the stream closed after revocation");
    expect(s.events.at(-1)!.event).toBe("error");
    await s.close();
  });

  it("RolloutClient follows the stream: a kill switch reaches it without polling", async () => {
    const t = await makeToken();
    const f = await makeFlag({ bps: 10000 });
    await settle(edge);
    const changes: string[] = [];
    const client = new RolloutClient({ baseUrl: edge.url, token: t.raw, workspaces: [ws.slug], pollIntervalMs: 60_000 });
    client.onChange((slug) => changes.push(slug));
    client.start();
    try {
      await until(() => client.streaming && client.isEnabled(ws.slug, f.key, "u1"), 30_000, "the client streaming with the flag on");
      await db()`select public.kill_feature_flag(${f.id}, 'sse test')`;
      await until(() => !client.isEnabled(ws.slug, f.key, "u1"), 30_000, "the kill switch at the client");
      expect(client.streaming).toBe(true);
    } finally {
      client.close();
    }
  });
});
