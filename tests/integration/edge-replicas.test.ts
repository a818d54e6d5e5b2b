import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { closeDb, createWorkspace, db } from "../helpers/db";
import { bearer, makeFlag, makeToken, until } from "../helpers/edge";

// Three edge processes (npm run edge, as deployed) on one database: a kill
// switch, a stage change and a revocation become visible on every one of them.
const ROOT = path.resolve(import.meta.dirname, "../..");
const procs: ChildProcess[] = [];
const urls: string[] = [];

function startReplica(): Promise<string> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/edge.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, EDGE_PORT: "0", EDGE_HOST: "127.0.0.1", LOG_LEVEL: "error" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  procs.push(child);
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`edge replica did not start: ${out}`)), 60_000);
    child.stdout!.on("data", (d) => {
      out += d;
      const m = /serving \d+ workspaces on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr!.on("data", (d) => (out += d));
    child.on("exit", (c) => reject(new Error(`edge replica exited (${c}): ${out}`)));
  });
}

beforeAll(async () => {
  urls.push(...(await Promise.all([startReplica(), startReplica(), startReplica()])));
});
afterAll(async () => {
  for (const p of procs) if (p.exitCode === null && p.pid) process.kill(p.pid, "SIGTERM");
  await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once("exit", r)) : null)));
  await closeDb();
});

const read = async (url: string, slug: string, raw: string, unit = "u-1") => {
  const res = await fetch(`${url}/api/v1/workspaces/${slug}/state?unit=${unit}`, { headers: bearer(raw) });
  return { status: res.status, etag: res.headers.get("etag"), doc: res.status === 200 ? await res.json() : null };
};

describe("three edge replicas on one database", () => {
  it("a change is visible on all of them, each with the same ETag", async () => {
    const ws = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
    const t = await makeToken();
    const f = await makeFlag({ bps: 10000, prefix: "replica" });
    // Each replica learns the new token, workspace and flag.
    await until(async () => (await Promise.all(urls.map((u) => read(u, ws.slug, t.raw)))).every((r) => r.status === 200 && r.doc.flags[f.key]?.value === true), 60_000, "setup on all replicas");

    await db()`select public.kill_feature_flag(${f.id}, 'replica test')`;
    await until(async () => (await Promise.all(urls.map((u) => read(u, ws.slug, t.raw)))).every((r) => r.doc?.flags[f.key]?.reason === "killed"), 30_000, "the kill switch on all replicas");

    await db()`update public.workspace_rollouts set stage = 3 where workspace_id = ${ws.id}`;
    await until(async () => (await Promise.all(urls.map((u) => read(u, ws.slug, t.raw)))).every((r) => r.doc?.migrations["lead-centric"].stage === 3), 30_000, "the stage change on all replicas");
    // The same state gives the same ETag on every replica. (Other test files share the
    // database and may change a global flag between two reads: read again until they agree.)
    await until(async () => new Set((await Promise.all(urls.map((u) => read(u, ws.slug, t.raw)))).map((r) => r.etag)).size === 1, 30_000, "one ETag on all replicas");

    await db()`update public.ingest_tokens set revoked_at = now() where id = ${t.id}`;
    await until(async () => (await Promise.all(urls.map((u) => read(u, ws.slug, t.raw)))).every((r) => r.status === 401), 30_000, "revocation on all replicas");
  });
});
