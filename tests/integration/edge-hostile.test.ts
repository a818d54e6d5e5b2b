import net from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEdge } from "../../lib/edge/main";
import { closeDb, createWorkspace } from "../helpers/db";
import { bearer, makeFlag, makeToken, settle, startTestEdge } from "../helpers/edge";

// Hostile input against the edge: generated malformed contexts and bodies,
// huge headers, slow senders, thousands of streams from one token. Every answer
// is a 4xx (or a 2xx) with a clear message, never a 5xx, and a token scoped to
// one workspace learns nothing about another. FUZZ_SEED replays a run.
const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);
type Ws = Awaited<ReturnType<typeof createWorkspace>>;
let edge: RunningEdge;
let mine: Ws, theirs: Ws;
let scoped: string, full: string;

beforeAll(async () => {
  mine = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
  theirs = await createWorkspace({ migrationKey: "lead-centric", stage: 2 });
  await makeFlag({ bps: 4000, prefix: "hostile" });
  scoped = (await makeToken({ workspaces: [mine.id] })).raw;
  full = (await makeToken()).raw;
  edge = await startTestEdge({ streamsPerToken: 50 });
  await settle(edge);
});
afterAll(async () => {
  await edge?.stop();
  await closeDb();
});

/** Sends raw bytes and returns the status line's code (or null when the server closed without one). */
function raw(bytes: string, opts: { holdMs?: number; port?: number } = {}): Promise<{ status: number | null; text: string }> {
  return new Promise((resolve) => {
    const s = net.connect(opts.port ?? edge.port, "127.0.0.1");
    let text = "";
    s.on("data", (d) => (text += d));
    s.on("error", () => {});
    s.on("close", () => resolve({ status: /^HTTP\/1\.1 (\d{3})/.exec(text) ? Number(/^HTTP\/1\.1 (\d{3})/.exec(text)![1]) : null, text }));
    s.write(bytes);
    if (!opts.holdMs) s.end();
    else setTimeout(() => s.destroy(), opts.holdMs);
  });
}

const ofrep = (path: string, body: string, headers: Record<string, string> = bearer(full)) =>
  fetch(`${edge.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe(`edge hostile input (FUZZ_SEED=${seed})`, () => {
  it("generated OFREP bodies and contexts: 200/4xx with an OFREP error, never a 5xx", async () => {
    const context = fc.oneof(
      fc.anything(),
      fc.record({ workspace: fc.oneof(fc.constant(mine.slug), fc.string(), fc.anything()), targetingKey: fc.oneof(fc.string(), fc.anything()) }, { requiredKeys: [] }),
    );
    const body = fc.oneof(
      fc.record({ context }, { requiredKeys: [] }).map((b) => JSON.stringify(b)),
      fc.anything().map((v) => JSON.stringify(v) ?? "null"),
      fc.string(),
      fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', "[".repeat(20_000), '{"context":' + "[".repeat(5000) + "]".repeat(5000) + "}", "\u0000", ""),
    );
    await fc.assert(
      fc.asyncProperty(body, fc.boolean(), async (b, bulk) => {
        const res = await ofrep(bulk ? "/ofrep/v1/evaluate/flags" : "/ofrep/v1/evaluate/flags/hostile_x", b);
        const text = await res.text();
        expect(res.status, `${res.status} for ${b.slice(0, 200)}: ${text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) expect(text).toMatch(/"(errorCode|error)"/);
      }),
      { seed, numRuns: 300 },
    );
  });

  it("wrong media type, oversized body, huge and malformed headers, bad paths: 4xx", async () => {
    let res = await fetch(`${edge.url}/ofrep/v1/evaluate/flags`, { method: "POST", headers: { ...bearer(full), "content-type": "text/plain" }, body: "x" });
    expect(res.status).toBe(415);
    res = await ofrep("/ofrep/v1/evaluate/flags", JSON.stringify({ context: { workspace: mine.slug, pad: "x".repeat(100_000) } }));
    expect(res.status).toBe(413);
    // 20 KiB of headers: refused before any handler runs.
    const big = await raw(`GET /api/v1/workspaces/${mine.slug}/state HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`);
    expect(big.status).toBe(431);
    // A long but acceptable Authorization header is just an invalid token.
    res = await fetch(`${edge.url}/api/v1/workspaces/${mine.slug}/state`, { headers: { authorization: `Bearer rc_${"a".repeat(8000)}` } });
    expect(res.status).toBe(401);
    const garbage = await raw("GARBAGE \u0001\u0002 HTTP/9.9\r\n\r\n");
    expect(garbage.status).toBe(400);
    for (const p of ["/api/v1/workspaces/%ZZ/state", `/api/v1/workspaces/${"a".repeat(300)}/state`, "/api/v1/workspaces//state", "/../../etc/passwd", "/api/v1/stream?workspace=%00"]) {
      res = await fetch(`${edge.url}${p}`, { headers: bearer(full) });
      expect(res.status, p).toBeGreaterThanOrEqual(400);
      expect(res.status, p).toBeLessThan(500);
    }
  });

  it("slow senders are cut off with a 408 while others are served", async () => {
    const quick = await startTestEdge({ requestTimeoutMs: 1000 });
    try {
      // Headers that never finish, and a body that never arrives.
      const slowHeaders = raw(`GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: `, { holdMs: 15_000, port: quick.port });
      const slowBody = raw(`POST /ofrep/v1/evaluate/flags HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${full}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"con`, { holdMs: 15_000, port: quick.port });
      const ok = await fetch(`${quick.url}/api/v1/workspaces/${mine.slug}/state`, { headers: bearer(full) });
      expect(ok.status).toBe(200);
      const [h, b] = await Promise.all([slowHeaders, slowBody]);
      expect(h.status).toBe(408);
      expect(b.status).toBe(408);
    } finally {
      await quick.stop();
    }
  });

  it("two thousand streams from one token: 50 open, the rest 429 with a clear message, no 5xx", async () => {
    const aborts: AbortController[] = [];
    // Held so the open responses are not garbage-collected (fetch closes a collected body's connection).
    const held: Response[] = [];
    try {
      const results: { status: number; message: string }[] = [];
      for (let batch = 0; batch < 8; batch++) {
        results.push(
          ...(await Promise.all(
            Array.from({ length: 250 }, async () => {
              const a = new AbortController();
              aborts.push(a);
              const res = await fetch(`${edge.url}/api/v1/stream?workspace=${mine.slug}`, { headers: bearer(scoped), signal: a.signal });
              if (res.status !== 200) return { status: res.status, message: (await res.json()).error.message as string };
              held.push(res);
              return { status: 200, message: "" };
            }),
          )),
        );
      }
      const counts = new Map<number, number>();
      for (const r of results) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
      expect(counts.get(200)).toBe(50);
      expect(edge.app.streamCount()).toBe(50);
      expect(counts.get(429)).toBe(1950);
      expect(results.find((r) => r.status === 429)!.message).toMatch(/already has 50 open streams/);
      // The server still answers everyone else.
      expect((await fetch(`${edge.url}/api/v1/workspaces/${mine.slug}/state`, { headers: bearer(full) })).status).toBe(200);
    } finally {
      for (const a of aborts) a.abort();
    }
  });

  it("a scoped token never learns about another workspace: identical answers for 'not yours' and 'does not exist'", async () => {
    const slugs = fc.oneof(fc.constant(theirs.slug), fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/));
    await fc.assert(
      fc.asyncProperty(slugs, async (slug) => {
        if (slug === mine.slug) return;
        const message = `No workspace with slug "${slug}"`;
        const refusal = JSON.stringify({ error: { status: 404, message } });
        const st = await fetch(`${edge.url}/api/v1/workspaces/${slug}/state`, { headers: bearer(scoped) });
        expect(st.status).toBe(404);
        expect(await st.text()).toBe(refusal);
        const sse = await fetch(`${edge.url}/api/v1/stream?workspace=${slug}`, { headers: bearer(scoped) });
        expect(sse.status).toBe(404);
        expect(await sse.text()).toBe(refusal);
        const of = await ofrep("/ofrep/v1/evaluate/flags", JSON.stringify({ context: { workspace: slug, targetingKey: "u" } }), bearer(scoped));
        expect(of.status).toBe(400);
        expect(await of.text()).toBe(JSON.stringify({ errorCode: "INVALID_CONTEXT", errorDetails: message }));
      }),
      { seed, numRuns: 100 },
    );
  });
});
