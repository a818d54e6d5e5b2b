import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { handleVerdict } from "../../lib/rollouts/verdict-api";
import { closeDb, createMigration, createWorkspace, db, enroll, storeSamples, traffic } from "../helpers/db";

// The verdict endpoint over real HTTP (node:http on 127.0.0.1 around the same handler
// the route file calls), called exactly as the README's Argo Rollouts AnalysisTemplate
// and Flagger Canary snippets call it.
let server: Server;
let base: string;
let mig: { id: string; key: string };
const ws: Record<"healthy" | "slow" | "empty" | "paused", { id: string; slug: string }> = {} as never;
let token: string;

async function makeToken(scopes = ["state:read"], workspaces: string[] | null = null) {
  const raw = `rc_${randomBytes(24).toString("hex")}`;
  const hash = createHash("sha256").update(raw).digest("hex");
  const [t] = await db()`insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids, scopes)
                         values ('verdict test', ${hash}, ${raw.slice(0, 8)}, ${workspaces}, ${scopes}) returning id`;
  return { raw, id: t.id as string };
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const r = await handleVerdict(new Request(`http://127.0.0.1${req.url}`, {
      method: req.method, headers: req.headers as Record<string, string>, body: req.method === "GET" ? undefined : body,
    }));
    res.writeHead(r.status, Object.fromEntries(r.headers)).end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Stage 1's gate: at least 300 samples per variant, error rate of new ≤ 5 %, p95 new/old ≤ 1.2.
  mig = await createMigration([{}, { minSamples: 300, maxErrorRate: 0.05, maxP95Ratio: 1.2 }, {}]);
  for (const name of ["healthy", "slow", "empty", "paused"] as const) {
    const w = await createWorkspace();
    await enroll(w.id, mig.id, 0, 60);
    ws[name] = w;
  }
  await storeSamples(ws.healthy.id, mig.id, traffic(2000));
  await storeSamples(ws.slow.id, mig.id, traffic(2000, { newFactor: 2.5 }));
  await storeSamples(ws.paused.id, mig.id, traffic(2000));
  await db()`update public.workspace_rollouts set status = 'paused' where workspace_id = ${ws.paused.id}`;
  token = (await makeToken()).raw;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await closeDb();
});

const get = (path: string, auth: string | null = token) =>
  fetch(`${base}${path}`, { headers: auth === null ? {} : { Authorization: auth.startsWith("rc_") ? `Bearer ${auth}` : auth } });

/** Argo Rollouts' jsonPath of the form {$.field}: the value the conditions see as `result`. */
const jsonPath = (body: Record<string, unknown>, path: string) => body[/^\{\$\.([a-z_]+)\}$/.exec(path)![1]];

describe("Argo Rollouts: the AnalysisTemplate in the README", () => {
  // successCondition: result == "pass"; failureCondition: result == "fail"; else Inconclusive (the rollout pauses)
  async function measure(slug: string) {
    const r = await get(`/api/v1/migrations/${mig.key}/verdict?workspace=${slug}`);
    expect(r.status).toBe(200);
    const result = jsonPath(await r.json(), "{$.verdict}");
    return result === "pass" ? "Successful" : result === "fail" ? "Failed" : "Inconclusive";
  }
  it("a healthy workspace is Successful, a slow one Failed, one without data Inconclusive, a paused one Failed", async () => {
    expect(await measure(ws.healthy.slug)).toBe("Successful");
    expect(await measure(ws.slow.slug)).toBe("Failed");
    expect(await measure(ws.empty.slug)).toBe("Inconclusive");
    expect(await measure(ws.paused.slug)).toBe("Failed");
  });
  it("the body names the stage, the target and every check with observed, threshold, verdict and reason", async () => {
    const body = await (await get(`/api/v1/migrations/${mig.key}/verdict?workspace=${ws.slow.slug}`)).json();
    expect(body).toMatchObject({ migration: mig.key, workspace: ws.slow.slug, stage: 0, target_stage: 1, status: "active", verdict: "fail", passed: false });
    expect(jsonPath(body, "{$.passed}")).toBe(false);
    const p95 = body.checks.find((c: { check: string }) => c.check === "p95_ratio");
    expect(p95).toMatchObject({ verdict: "fail", threshold: 1.2, comparator: "<=" });
    expect(p95.observed).toBeGreaterThan(2);
    expect(p95.interval).toHaveLength(2);
    expect(p95.reason).toContain("p95 latency");
    expect(body.reason).toMatch(/^Gate fails — .*p95 latency/);
    const empty = await (await get(`/api/v1/migrations/${mig.key}/verdict?workspace=${ws.empty.slug}`)).json();
    expect(empty.checks.find((c: { check: string }) => c.check === "min_samples")).toMatchObject({ verdict: "inconclusive", status: "fail" });
    const paused = await (await get(`/api/v1/migrations/${mig.key}/verdict?workspace=${ws.paused.slug}`)).json();
    expect(paused.checks.at(-1)).toMatchObject({ check: "rollout_status", verdict: "fail", reason: "The workspace is paused." });
    expect(typeof body.evaluated_at).toBe("string");
  });
});

describe("Flagger: the Canary webhooks in the README", () => {
  // Flagger POSTs this body and goes on only on a 2xx; metadata carries our selection and the token.
  const hook = (metadata: Record<string, string>, phase = "Progressing") =>
    fetch(`${base}/api/v1/migrations/${mig.key}/verdict`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ name: "podinfo", namespace: "test", phase, checksum: "6d5c8b7f", metadata }),
    });
  it("200 to go on for a passing workspace, 412 with the reason to halt otherwise", async () => {
    const ok = await hook({ workspace: ws.healthy.slug, token });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ verdict: "pass", canary: { name: "podinfo", namespace: "test", phase: "Progressing" } });
    for (const w of [ws.slow, ws.empty, ws.paused]) {
      const r = await hook({ workspace: w.slug, token }, "Promoting");
      expect(r.status).toBe(412);
      const b = await r.json();
      expect(b.error.message).toMatch(/^Gate (fails|inconclusive) — /);
      expect(b.passed).toBe(false);
    }
  });
  it("a bearer header works too, and metadata.migration must match the URL", async () => {
    const r = await fetch(`${base}/api/v1/migrations/${mig.key}/verdict`, {
      method: "POST", headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify({ name: "podinfo", namespace: "test", phase: "Progressing", metadata: { workspace: ws.healthy.slug, migration: mig.key } }),
    });
    expect(r.status).toBe(200);
    const bad = await hook({ workspace: ws.healthy.slug, token, migration: "other-migration" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.message).toContain(`metadata.migration is "other-migration" but the URL names "${mig.key}"`);
  });
});

describe("the cohort", () => {
  it("every enrolled workspace at a stage, each on its own gate, with a summary", async () => {
    const r = await get(`/api/v1/migrations/${mig.key}/verdict?stage=0`);
    const body = await r.json();
    expect(body).toMatchObject({ migration: mig.key, cohort: { stage: 0, size: 4 }, verdict: "fail", passed: false,
      summary: { pass: 1, fail: 2, inconclusive: 1 }, reason: "2 of 4 workspaces fail their gate" });
    expect(body.workspaces.map((w: { workspace: string; verdict: string }) => [w.workspace, w.verdict]).sort()).toEqual(
      [[ws.healthy.slug, "pass"], [ws.slow.slug, "fail"], [ws.empty.slug, "inconclusive"], [ws.paused.slug, "fail"]].sort());
  });
  it("a scoped token judges only its own workspaces; a stage nobody is at is inconclusive", async () => {
    const scoped = await makeToken(["state:read"], [ws.healthy.id]);
    expect(await (await get(`/api/v1/migrations/${mig.key}/verdict`, scoped.raw)).json()).toMatchObject({ cohort: { size: 1 }, verdict: "pass", passed: true });
    expect(await (await get(`/api/v1/migrations/${mig.key}/verdict?stage=2`)).json()).toMatchObject({ cohort: { size: 0 }, verdict: "inconclusive", reason: "No enrolled workspace in the cohort." });
  });
});

describe("refusals", () => {
  const path = () => `/api/v1/migrations/${mig.key}/verdict?workspace=${ws.healthy.slug}`;
  const refused = async (r: Response, status: number, message: string | RegExp) => {
    expect(r.status).toBe(status);
    const b = await r.json();
    expect(b.error.message).toMatch(message);
    expect(b).not.toHaveProperty("verdict");
  };
  it("anonymous, a wrong or revoked token, a token without the scope: 401 / 403", async () => {
    await refused(await get(path(), null), 401, /^Missing bearer token/);
    await refused(await get(path(), "Basic abc"), 401, "Invalid or revoked token");
    await refused(await get(path(), `rc_${randomBytes(24).toString("hex")}`), 401, "Invalid or revoked token");
    const revoked = await makeToken();
    expect((await get(path(), revoked.raw)).status).toBe(200);
    await db()`update public.ingest_tokens set revoked_at = now() where id = ${revoked.id}`;
    await refused(await get(path(), revoked.raw), 401, "Invalid or revoked token");
    const writer = await makeToken(["metrics:write"]);
    await refused(await get(path(), writer.raw), 403, "This token lacks the 'state:read' scope");
    // Flagger without any token
    const r = await fetch(`${base}/api/v1/migrations/${mig.key}/verdict`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ name: "podinfo", namespace: "test", metadata: { workspace: ws.healthy.slug } }) });
    await refused(r, 401, /metadata\.token/);
  });
  it("another tenant's workspace answers like an unknown one; unknown migration, not enrolled: 404", async () => {
    const scoped = await makeToken(["state:read"], [ws.slow.id]);
    const other = await get(path(), scoped.raw);
    const unknown = await get(`/api/v1/migrations/${mig.key}/verdict?workspace=no-such-workspace-x`, scoped.raw);
    await refused(other, 404, `No workspace with slug "${ws.healthy.slug}"`);
    await refused(unknown, 404, 'No workspace with slug "no-such-workspace-x"');
    await refused(await get(`/api/v1/migrations/no-such-migration/verdict?workspace=${ws.healthy.slug}`), 404, 'No migration with key "no-such-migration"');
    const outsider = await createWorkspace();
    await refused(await get(`/api/v1/migrations/${mig.key}/verdict?workspace=${outsider.slug}`), 404, `Workspace "${outsider.slug}" is not enrolled in migration "${mig.key}"`);
  });
  it("a bad query: 400 naming what is wrong", async () => {
    const q = (s: string) => get(`/api/v1/migrations/${mig.key}/verdict?${s}`);
    await refused(await q("stage=abc"), 400, "stage: a whole number");
    await refused(await q("stage=9"), 400, "stage: must be between 0 and 2");
    await refused(await q(`workspace=${ws.healthy.slug}&target_stage=0`), 400, "target_stage: at least 1");
    await refused(await q(`workspace=${ws.healthy.slug}&target_stage=3`), 400, "target_stage: must be between 1 and 2");
    await refused(await q(`workspace=${ws.healthy.slug}&stage=0`), 400, /stage selects a cohort/);
    await refused(await q("workspace=Not_A_Slug"), 400, "workspace: not a workspace slug");
    await refused(await q("wrkspace=x"), 400, "unknown parameter(s): wrkspace");
    const post = (body: string, type = "application/json") => fetch(`${base}/api/v1/migrations/${mig.key}/verdict`, { method: "POST", headers: { "Content-Type": type }, body });
    expect((await post("{", "application/json")).status).toBe(400);
    expect((await post("x", "text/plain")).status).toBe(415);
    await refused(await post(JSON.stringify({ name: 1, metadata: { token } })), 400, /^Not a Flagger webhook payload: name/);
    await refused(await post(JSON.stringify({ metadata: { token, stage: "x" } })), 400, "metadata.stage: a whole number");
    expect((await fetch(`${base}/api/v1/migrations/${mig.key}/verdict`, { method: "PUT" })).status).toBe(405);
  });
});
