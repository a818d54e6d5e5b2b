import { OFREPApi } from "@openfeature/ofrep-core";
import { OFREPProvider } from "@openfeature/ofrep-provider";
import { OpenFeature } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inRollout } from "../../lib/flags/hash";
import type { RunningEdge } from "../../lib/edge/main";
import { closeDb, createWorkspace, db } from "../helpers/db";
import { bearer, makeFlag, makeToken, settle, startTestEdge, until } from "../helpers/edge";

// OFREP on the edge, driven by the published OpenFeature packages (server SDK +
// @openfeature/ofrep-provider, and ofrep-core's API client for bulk with ETags),
// plus the error codes and refusals over plain HTTP, and CORS.
type Ws = Awaited<ReturnType<typeof createWorkspace>>;
let edge: RunningEdge;
let ws: Ws, other: Ws;
let token: string;
let on: { id: string; key: string }, pct: { id: string; key: string }, linked: { id: string; key: string };

beforeAll(async () => {
  ws = await createWorkspace({ migrationKey: "lead-centric", stage: 2 });
  other = await createWorkspace({ migrationKey: "lead-centric", stage: 0 });
  on = await makeFlag({ bps: 10000, prefix: "ofrep" });
  pct = await makeFlag({ bps: 3000, prefix: "ofrep" });
  const [m] = await db()<{ id: string }[]>`select id from public.migrations where key = 'lead-centric'`;
  linked = await makeFlag({ bps: 10000, migrationId: m.id, minStage: 2, prefix: "ofrep" });
  token = (await makeToken()).raw;
  edge = await startTestEdge();
  await settle(edge);
});
afterAll(async () => {
  await edge?.stop();
  await OpenFeature.close();
  await closeDb();
});

const post = (path: string, body: unknown, headers: Record<string, string> = bearer(token)) =>
  fetch(`${edge.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });

describe("OFREP with the published OpenFeature provider", () => {
  it("evaluates booleans per workspace and targeting key, and a kill switch shows on the next evaluation", async () => {
    await OpenFeature.setProviderAndWait("edge-ofrep", new OFREPProvider({ baseUrl: edge.url, headers: { Authorization: `Bearer ${token}` } }));
    const client = OpenFeature.getClient("edge-ofrep");
    const d = await client.getBooleanDetails(on.key, false, { workspace: ws.slug, targetingKey: "user-1" });
    expect(d).toMatchObject({ value: true, variant: "on", reason: "STATIC" });
    expect(d.errorCode).toBeUndefined();
    expect(d.flagMetadata).toMatchObject({ reason: "in_rollout", workspace: ws.slug, rolloutBps: 10000 });

    for (let i = 0; i < 40; i++) {
      const unit = `user-${i}`;
      const r = await client.getBooleanDetails(pct.key, false, { workspace: ws.slug, targetingKey: unit });
      expect(r.value, unit).toBe(inRollout(pct.key, unit, 3000));
      expect(r.reason).toBe("SPLIT");
    }
    // Stage-linked: on at stage 2, off (targeting) at stage 0.
    expect(await client.getBooleanValue(linked.key, false, { workspace: ws.slug, targetingKey: "u" })).toBe(true);
    const off = await client.getBooleanDetails(linked.key, true, { workspace: other.slug, targetingKey: "u" });
    expect(off).toMatchObject({ value: false, reason: "TARGETING_MATCH", flagMetadata: { reason: "stage_not_reached" } });

    // Errors come back as OpenFeature error codes with the default value.
    expect(await client.getBooleanDetails("no_such_flag_x", true, { workspace: ws.slug, targetingKey: "u" })).toMatchObject({ value: true, errorCode: "FLAG_NOT_FOUND" });
    expect(await client.getBooleanDetails(pct.key, true, { workspace: ws.slug })).toMatchObject({ value: true, errorCode: "TARGETING_KEY_MISSING" });
    expect(await client.getBooleanDetails(on.key, false, { targetingKey: "u" })).toMatchObject({ value: false, errorCode: "INVALID_CONTEXT" });
    expect(await client.getBooleanDetails(on.key, false, { workspace: "nope-nope", targetingKey: "u" })).toMatchObject({ value: false, errorCode: "INVALID_CONTEXT" });

    await db()`select public.kill_feature_flag(${on.id}, 'ofrep test')`;
    await until(async () => (await client.getBooleanValue(on.key, true, { workspace: ws.slug, targetingKey: "user-1" })) === false, 30_000, "kill via OFREP");
    const killed = await client.getBooleanDetails(on.key, true, { workspace: ws.slug, targetingKey: "user-1" });
    expect(killed).toMatchObject({ value: false, reason: "DISABLED", flagMetadata: { reason: "killed" } });
  });

  it("bulk evaluation through ofrep-core's client: every flag, an ETag, 304 on If-None-Match", async () => {
    const api = new OFREPApi(edge.url);
    const auth: [string, string][] = [["Authorization", `Bearer ${token}`]];
    const first = await api.postBulkEvaluateFlags({ context: { workspace: ws.slug, targetingKey: "user-7" } }, { headers: auth });
    expect(first.httpStatus).toBe(200);
    const flags = (first.value as { flags: { key: string; value?: boolean; errorCode?: string }[] }).flags;
    expect(flags.find((f) => f.key === pct.key)!.value).toBe(inRollout(pct.key, "user-7", 3000));
    expect(flags.find((f) => f.key === linked.key)!.value).toBe(true);
    const etag = first.httpResponse!.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    const again = await api.postBulkEvaluateFlags({ context: { workspace: ws.slug, targetingKey: "user-7" } }, { headers: [...auth, ["If-None-Match", etag]] });
    expect(again.httpStatus).toBe(304);
    // Without a targeting key, percentage flags carry TARGETING_KEY_MISSING, the others still evaluate.
    const noKey = await api.postBulkEvaluateFlags({ context: { workspace: ws.slug } }, { headers: auth });
    const nk = (noKey.value as { flags: { key: string; errorCode?: string; value?: boolean }[] }).flags;
    expect(nk.find((f) => f.key === pct.key)!.errorCode).toBe("TARGETING_KEY_MISSING");
    expect(nk.find((f) => f.key === linked.key)!.value).toBe(true);
  });
});

describe("OFREP over HTTP: shapes and refusals", () => {
  it("error bodies and statuses", async () => {
    const p = `/ofrep/v1/evaluate/flags/${linked.key}`;
    let r = await post(p, { context: { workspace: ws.slug, targetingKey: "u" } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ key: linked.key, value: true, reason: "TARGETING_MATCH", variant: "on", metadata: { reason: "in_rollout", workspace: ws.slug, rolloutBps: 10000 } });
    r = await post("/ofrep/v1/evaluate/flags/nope_nope", { context: { workspace: ws.slug } });
    expect(r.status).toBe(404);
    expect(await r.json()).toMatchObject({ key: "nope_nope", errorCode: "FLAG_NOT_FOUND" });
    for (const body of [{ context: { workspace: 42 } }, { context: { workspace: ws.slug, targetingKey: 7 } }, { context: { workspace: ws.slug, targetingKey: "" } }, { context: "x" }, [1, 2]]) {
      r = await post(p, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect((await r.json()).errorCode).toBe("INVALID_CONTEXT");
    }
    r = await post(p, "{not json");
    expect(r.status).toBe(400);
    expect((await r.json()).errorCode).toBe("PARSE_ERROR");
    r = await post(p, { context: { workspace: ws.slug } }, {});
    expect(r.status).toBe(401);
    const noScope = await makeToken({ scopes: ["metrics:write"] });
    const scoped = await makeToken({ workspaces: [ws.id] });
    await settle(edge);
    expect((await post(p, { context: { workspace: ws.slug } }, bearer(noScope.raw))).status).toBe(403);
    // A token scoped to one workspace: the context may leave it out; another workspace reads as "no such workspace".
    r = await post(p, { context: { targetingKey: "u" } }, bearer(scoped.raw));
    expect((await r.json()).metadata.workspace).toBe(ws.slug);
    const notMine = await (await post(p, { context: { workspace: other.slug } }, bearer(scoped.raw))).json();
    const missing = await (await post(p, { context: { workspace: "no-such-ws" } }, bearer(scoped.raw))).json();
    expect(notMine.errorCode).toBe("INVALID_CONTEXT");
    expect(notMine.errorDetails.replace(other.slug, "X")).toBe(missing.errorDetails.replace("no-such-ws", "X"));
  });

  it("CORS is off by default and answers only the configured origins when on", async () => {
    const res = await post("/ofrep/v1/evaluate/flags", { context: { workspace: ws.slug } }, { ...bearer(token), origin: "https://app.example" });
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    expect((await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: "OPTIONS", headers: { origin: "https://app.example" } })).status).toBe(404);

    const withCors = await startTestEdge({ corsOrigins: ["https://app.example"] });
    try {
      const pre = await fetch(`${withCors.url}/ofrep/v1/evaluate/flags`, {
        method: "OPTIONS",
        headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type" },
      });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(pre.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
      const r = await fetch(`${withCors.url}/ofrep/v1/evaluate/flags`, {
        method: "POST",
        headers: { ...bearer(token), "content-type": "application/json", origin: "https://app.example" },
        body: JSON.stringify({ context: { workspace: ws.slug } }),
      });
      expect(r.headers.get("access-control-allow-origin")).toBe("https://app.example");
      expect(r.headers.get("access-control-expose-headers")).toMatch(/ETag/);
      const evil = await fetch(`${withCors.url}/ofrep/v1/evaluate/flags`, { method: "OPTIONS", headers: { origin: "https://evil.example" } });
      expect(evil.status).toBe(403);
      expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    } finally {
      await withCors.stop();
    }
  });
});
