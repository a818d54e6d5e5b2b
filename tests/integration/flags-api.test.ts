import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET } from "../../app/api/v1/workspaces/[slug]/state/route";
import { RolloutClient } from "../../clients/rollout-client/client";
import { inRollout } from "../../lib/flags/hash";
import { closeDb, createWorkspace, db } from "../helpers/db";

// GET /api/v1/workspaces/{slug}/state, called through the real route handler
// against the real database: every refusal, ETag/304, per-unit evaluation, and
// that a change (flag or stage) shows on the very next request.
type Ws = Awaited<ReturnType<typeof createWorkspace>>;
let ws: Ws, other: Ws;

async function token(opts: { scopes?: string[]; workspaces?: string[] | null } = {}) {
  const raw = `rc_${randomBytes(24).toString("hex")}`;
  const hash = createHash("sha256").update(raw).digest("hex");
  const [t] = await db()<{ id: string }[]>`
    insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids, scopes)
    values ('api test', ${hash}, ${raw.slice(0, 8)}, ${opts.workspaces === undefined ? null : opts.workspaces}, ${opts.scopes ?? ["state:read"]})
    returning id`;
  return { raw, id: t.id };
}

function get(slug: string, opts: { token?: string; auth?: string; unit?: string; ifNoneMatch?: string } = {}) {
  const url = new URL(`http://127.0.0.1/api/v1/workspaces/${slug}/state`);
  if (opts.unit !== undefined) url.searchParams.set("unit", opts.unit);
  const headers: Record<string, string> = {};
  if (opts.auth !== undefined) headers.authorization = opts.auth;
  else if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.ifNoneMatch) headers["if-none-match"] = opts.ifNoneMatch;
  return GET(new Request(url, { headers }), { params: Promise.resolve({ slug }) });
}

beforeAll(async () => {
  ws = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
  other = await createWorkspace({ migrationKey: "lead-centric", stage: 3 });
});
afterAll(closeDb);

describe("state API: refusals", () => {
  it("401 without a token, with a malformed one and with an unknown one", async () => {
    for (const auth of ["", "Basic abc", "Bearer nope", "Bearer rc_unknown"]) {
      const res = await get(ws.slug, { auth });
      expect(res.status, auth).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect((await res.json()).error.message).toMatch(/token/i);
    }
  });

  it("401 on the very next request after revocation", async () => {
    const t = await token();
    expect((await get(ws.slug, { token: t.raw })).status).toBe(200);
    await db()`update public.ingest_tokens set revoked_at = now() where id = ${t.id}`;
    const res = await get(ws.slug, { token: t.raw });
    expect(res.status).toBe(401);
    expect((await res.json()).error.message).toBe("Invalid or revoked token");
  });

  it("403 without the state:read scope", async () => {
    const t = await token({ scopes: ["metrics:write", "feedback:write"] });
    const res = await get(ws.slug, { token: t.raw });
    expect(res.status).toBe(403);
    expect((await res.json()).error.message).toMatch(/state:read/);
  });

  it("a workspace outside the token's scope answers exactly like an unknown one (404); 200 for its own", async () => {
    const t = await token({ workspaces: [other.id] });
    const res = await get(ws.slug, { token: t.raw });
    expect(res.status).toBe(404);
    const unknown = await get("no-such-workspace-zz", { token: t.raw });
    expect(unknown.status).toBe(404);
    expect((await res.json()).error.message).toBe(`No workspace with slug "${ws.slug}"`);
    expect((await unknown.json()).error.message).toBe('No workspace with slug "no-such-workspace-zz"');
    expect((await get(other.slug, { token: t.raw })).status).toBe(200);
  });

  it("404 for an unknown or malformed workspace slug", async () => {
    const t = await token();
    expect((await get("no-such-workspace-here", { token: t.raw })).status).toBe(404);
    expect((await get("Not_A_Slug", { token: t.raw })).status).toBe(404);
  });

  it("400 for an invalid unit", async () => {
    const t = await token();
    for (const unit of ["", "x".repeat(201), "a\u0001b"]) {
      const res = await get(ws.slug, { token: t.raw, unit });
      expect(res.status).toBe(400);
      expect((await res.json()).error.field).toBe("unit");
    }
  });
});

describe("state API: answers", () => {
  it("returns stage and status in every migration and the evaluated flags", async () => {
    const t = await token();
    const res = await get(ws.slug, { token: t.raw });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{32}"$/);
    const body = await res.json();
    expect(body.workspace).toEqual({ id: ws.id, slug: ws.slug, name: `Test ${ws.slug}` });
    expect(body.migrations["lead-centric"]).toMatchObject({ stage: 1, status: "active", stageKey: "dual-write", lastStage: 4 });
    expect(body.migrations["ai-pipeline"]).toMatchObject({ stage: 0, status: "not_enrolled" });
    // Demo flags: lead_dual_write from stage 1, lead_tracking_ui from stage 2.
    expect(body.flags.lead_dual_write).toMatchObject({ value: true, mode: "on" });
    expect(body.flags.lead_tracking_ui).toMatchObject({ value: false, reason: "stage_not_reached", mode: "off" });
  });

  it("answers 304 with no body for a matching If-None-Match (also weak or in a list), 200 otherwise", async () => {
    const t = await token();
    // Flags are global, so a test file running beside this one may change the
    // body between two requests: take a fresh ETag and retry a few times then.
    for (const form of [(e: string) => e, (e: string) => `W/${e}`, (e: string) => `"other", ${e}`, () => "*"]) {
      let res: Response | undefined;
      let etag = "";
      for (let attempt = 0; attempt < 5 && res?.status !== 304; attempt++) {
        etag = (await get(ws.slug, { token: t.raw })).headers.get("etag")!;
        res = await get(ws.slug, { token: t.raw, ifNoneMatch: form(etag) });
      }
      expect(res!.status, form(etag)).toBe(304);
      expect(res!.headers.get("etag")).toBe(etag);
      expect(await res!.text()).toBe("");
    }
    expect((await get(ws.slug, { token: t.raw, ifNoneMatch: '"stale"' })).status).toBe(200);
  });

  it("still refuses a revoked token that sends a matching If-None-Match", async () => {
    const t = await token();
    const etag = (await get(ws.slug, { token: t.raw })).headers.get("etag")!;
    await db()`update public.ingest_tokens set revoked_at = now() where id = ${t.id}`;
    expect((await get(ws.slug, { token: t.raw, ifNoneMatch: etag })).status).toBe(401);
  });

  it("evaluates per unit with the same hash as the client", async () => {
    const t = await token();
    const [{ version }] = await db()`select version from public.feature_flags where key = 'ai_pipeline_v2'`;
    const wsAi = await createWorkspace({ migrationKey: "ai-pipeline", stage: 2 });
    expect(version).toBeDefined();
    for (const unit of ["user-1", "user-2", "user-3", "user-4", "user-5", "user-6", "ünï"]) {
      const body = await (await get(wsAi.slug, { token: t.raw, unit })).json();
      expect(body.unit).toBe(unit);
      expect(body.flags.ai_pipeline_v2.value, unit).toBe(inRollout("ai_pipeline_v2", unit, body.flags.ai_pipeline_v2.rolloutBps));
    }
  });

  it("shows a stage change on the next request, with a new ETag", async () => {
    const t = await token();
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const first = await get(w.slug, { token: t.raw });
    const etag = first.headers.get("etag")!;
    expect((await first.json()).flags.lead_tracking_ui.value).toBe(false);
    await db()`update public.workspace_rollouts set stage = 2, version = version + 1 where workspace_id = ${w.id}`;
    const next = await get(w.slug, { token: t.raw, ifNoneMatch: etag });
    expect(next.status).toBe(200);
    expect(next.headers.get("etag")).not.toBe(etag);
    const body = await next.json();
    expect(body.migrations["lead-centric"].stage).toBe(2);
    expect(body.flags.lead_tracking_ui.value).toBe(true);
  });

  it("shows a flag change (override) on the next request", async () => {
    const t = await token();
    const w = await createWorkspace({ migrationKey: "lead-centric", stage: 4 });
    const etag = (await get(w.slug, { token: t.raw })).headers.get("etag")!;
    const [f] = await db()`select id from public.feature_flags where key = 'multi_lead_contacts'`;
    await db()`select public.set_flag_override(${f.id}, ${w.id}, false, 'customer asked')`;
    const res = await get(w.slug, { token: t.raw, ifNoneMatch: etag });
    expect(res.status).toBe(200);
    expect((await res.json()).flags.multi_lead_contacts).toMatchObject({ value: false, reason: "override" });
  });
});

describe("the TypeScript client against the real endpoint", () => {
  it("polls with the ETag, evaluates like the server and keeps its state when requests start failing", async () => {
    const t = await token();
    const w = await createWorkspace({ migrationKey: "ai-pipeline", stage: 3 });
    let down = false;
    const statuses: number[] = [];
    const client = new RolloutClient({
      baseUrl: "http://127.0.0.1",
      token: t.raw,
      workspaces: [w.slug],
      onError: () => {},
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        if (down) throw new TypeError("fetch failed: ECONNREFUSED");
        const res = await GET(new Request(input, init), { params: Promise.resolve({ slug: w.slug }) });
        statuses.push(res.status);
        return res;
      }) as typeof fetch,
    });
    for (let i = 0; i < 6 && !statuses.includes(304); i++) await client.refresh();
    expect(statuses[0]).toBe(200);
    expect(statuses).toContain(304);
    expect(client.stage(w.slug, "ai-pipeline")).toBe(3);
    for (const unit of ["a", "b", "c", "d", "e", "f", "g", "h"]) {
      const server = await (await get(w.slug, { token: t.raw, unit })).json();
      expect(client.isEnabled(w.slug, "ai_pipeline_v2", unit), unit).toBe(server.flags.ai_pipeline_v2.value);
    }
    down = true;
    await client.refresh();
    expect(client.stage(w.slug, "ai-pipeline")).toBe(3);
    expect(client.isEnabled(w.slug, "ai_pipeline_shadow")).toBe(true);
  });
});
