import { afterEach, describe, expect, it } from "vitest";
import { inRollout } from "../../lib/flags/hash";
import { RolloutClient } from "./client";
import { sampleDoc, startFakeConsole, type FakeConsole } from "./test-server";

let server: FakeConsole | undefined;
let client: RolloutClient | undefined;
afterEach(async () => {
  client?.close();
  await server?.close().catch(() => {});
  server = client = undefined;
});

function makeClient(url: string, extra: Partial<ConstructorParameters<typeof RolloutClient>[0]> = {}) {
  client = new RolloutClient({ baseUrl: url, token: "rc_test", workspaces: ["acme"], pollIntervalMs: 20, timeoutMs: 500, ...extra });
  return client;
}

describe("RolloutClient", () => {
  it("fetches the state, then revalidates with If-None-Match and gets 304s", async () => {
    server = await startFakeConsole(sampleDoc());
    const c = makeClient(server.url);
    await c.refresh();
    await c.refresh();
    await c.refresh();
    expect(server.requests.map((r) => r.path)).toEqual(Array(3).fill("/api/v1/workspaces/acme/state"));
    expect(server.requests[0].ifNoneMatch).toBeUndefined();
    expect(server.requests[0].auth).toBe("Bearer rc_test");
    expect(server.requests[1].ifNoneMatch).toMatch(/^"[0-9a-f]{32}"$/);
    expect(c.stage("acme", "ai-pipeline")).toBe(2);
    expect(c.status("acme", "ai-pipeline")).toBe("active");
  });

  it("evaluates locally with the same sticky hash as the server", async () => {
    server = await startFakeConsole(sampleDoc());
    const c = makeClient(server.url);
    await c.refresh();
    expect(c.isEnabled("acme", "ai_pipeline_shadow")).toBe(true);
    expect(c.isEnabled("acme", "lead_tracking_ui", "anyone")).toBe(false);
    for (let i = 0; i < 500; i++) expect(c.isEnabled("acme", "ai_pipeline_v2", `user-${i}`)).toBe(inRollout("ai_pipeline_v2", `user-${i}`, 2500));
    // No unit: the workspace id, as the server does.
    expect(c.isEnabled("acme", "ai_pipeline_v2")).toBe(inRollout("ai_pipeline_v2", "0b4c3a9e-2f7d-4c1e-9a55-6d1f0e2b7c11", 2500));
    expect(c.isEnabled("acme", "no_such_flag")).toBe(false);
  });

  it("sees a change on the next poll", async () => {
    server = await startFakeConsole(sampleDoc());
    const c = makeClient(server.url).start();
    await c.ready();
    expect(c.isEnabled("acme", "ai_pipeline_shadow")).toBe(true);
    const changed = new Promise<void>((r) => c.onChange(() => r()));
    server.set(sampleDoc({ ai_pipeline_shadow: { value: false, reason: "killed", mode: "off", rolloutBps: 10000 } }));
    await changed;
    expect(c.isEnabled("acme", "ai_pipeline_shadow")).toBe(false);
  });

  it("keeps the last known state when the console goes down, and never throws", async () => {
    server = await startFakeConsole(sampleDoc());
    const errors: unknown[] = [];
    const c = makeClient(server.url, { onError: (e) => errors.push(e) });
    await c.refresh();
    server.failWith(502);
    await c.refresh();
    await server.close();
    await c.refresh();
    expect(errors.length).toBe(2);
    expect(c.isEnabled("acme", "ai_pipeline_shadow")).toBe(true);
    expect(c.stage("acme", "ai-pipeline")).toBe(2);
  });

  it("answers safe defaults (stage 0, flags off) before any state arrived", async () => {
    const c = makeClient("http://127.0.0.1:9", { onError: () => {} });
    await c.refresh();
    expect(c.isEnabled("acme", "ai_pipeline_shadow")).toBe(false);
    expect(c.stage("acme", "ai-pipeline")).toBe(0);
    expect(c.status("acme", "ai-pipeline")).toBe("unknown");
  });

  it("drops to safe defaults after maxStaleMs without a successful poll", async () => {
    server = await startFakeConsole(sampleDoc());
    const c = makeClient(server.url, { maxStaleMs: 0, onError: () => {} });
    await c.refresh();
    expect(c.stage("acme", "ai-pipeline")).toBe(2);
    server.failWith(500);
    await new Promise((r) => setTimeout(r, 5));
    await c.refresh();
    expect(c.stage("acme", "ai-pipeline")).toBe(0);
  });

  it("ignores an answer that is not a state document and survives a throwing fetch and listener", async () => {
    let calls = 0;
    const c = makeClient("http://console.invalid", {
      onError: () => {
        throw new Error("logger broke");
      },
      fetch: (async () => {
        calls++;
        if (calls === 1) return new Response("<html></html>", { status: 200 });
        throw new TypeError("fetch failed");
      }) as typeof fetch,
    });
    c.onChange(() => {
      throw new Error("listener broke");
    });
    await expect(c.refresh()).resolves.toBeUndefined();
    await expect(c.refresh()).resolves.toBeUndefined();
    expect(c.isEnabled("acme", "x")).toBe(false);
  });

  it("starts polling a workspace the first time it is asked about", async () => {
    server = await startFakeConsole(sampleDoc());
    const c = makeClient(server.url, { workspaces: [] });
    expect(c.isEnabled("acme", "ai_pipeline_shadow")).toBe(false);
    await c.refresh();
    expect(c.isEnabled("acme", "ai_pipeline_shadow")).toBe(true);
  });

  it("falls back to ETag polling against a server without a stream, and stops asking for one", async () => {
    server = await startFakeConsole(sampleDoc());
    const c = makeClient(server.url).start();
    const deadline = Date.now() + 5000;
    while (server.requests.filter((r) => r.path.startsWith("/api/v1/workspaces/")).length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(c.streaming).toBe(false);
    expect(server.requests.filter((r) => r.path.startsWith("/api/v1/stream"))).toHaveLength(1);
    expect(server.requests.filter((r) => r.path.startsWith("/api/v1/workspaces/")).length).toBeGreaterThanOrEqual(3);
    expect(c.stage("acme", "ai-pipeline")).toBe(2);
  });
});
