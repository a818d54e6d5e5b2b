import { spawn, type ChildProcess } from "node:child_process";
import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startWorker, type WorkerHandle } from "../../lib/jobs/runner";
import { asUser, closeDb, createMigration, createUser, createWorkspace, db, enroll, type TestUser } from "../helpers/db";

// Real delivery: a graphile-worker runner (in this process, or a child process
// we kill) posting to an HTTP receiver on 127.0.0.1.
const ROOT = path.resolve(import.meta.dirname, "../..");
// The receivers listen on 127.0.0.1: allowed here explicitly (read at each delivery).
process.env.NOTIFY_ALLOWED_HOSTS = "127.0.0.1";
let operator: TestUser;
const workers: WorkerHandle[] = [];
const servers: Server[] = [];
const channels: string[] = [];

beforeAll(async () => {
  operator = await createUser("operator");
});
afterEach(async () => {
  await db()`update public.notification_channels set enabled = false where id = any(${channels}::uuid[])`;
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
afterAll(closeDb);

interface Received { headers: IncomingMessage["headers"]; body: string }

function receiver(handler?: (req: IncomingMessage, res: ServerResponse, body: string) => boolean, port = 0) {
  const got: Received[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      if (handler && handler(req, res, body)) return;
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  servers.push(server);
  return new Promise<{ server: Server; port: number; got: Received[] }>((resolve) =>
    server.listen(port, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port, got })),
  );
}

async function channel(url: string, events = ["stage_changed"]) {
  const [c] = await db()`insert into public.notification_channels (name, kind, url, secret, events)
                         values ('test receiver', 'webhook', ${url}, 'test-secret', ${events}) returning id`;
  channels.push(c.id);
  return c.id as string;
}

/** Makes a stage change that notifies: pausing a fresh workspace. Returns the delivery id. */
async function pauseSomething(channelId: string): Promise<number> {
  const mig = await createMigration([{}, {}]);
  const ws = await createWorkspace();
  await enroll(ws.id, mig.id, 1);
  await asUser(operator, (tx) => tx`select public.pause_workspace(${ws.id}, ${mig.id}, 'maintenance window')`);
  const [d] = await db()`select id from public.notification_deliveries where channel_id = ${channelId} and payload -> 'workspace' ->> 'id' = ${ws.id}`;
  return Number(d.id);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
// These workers deliver notifications only: other files' jobs in the shared database
// (a plan's tick, a sweep) are theirs to run, under their own clock and assertions.
const DELIVERY = ["deliver_notification"];

const delivery = async (id: number) => (await db()`select status, attempts, last_error from public.notification_deliveries where id = ${id}`)[0];

describe("notification delivery", () => {
  it("delivers a signed webhook to a local receiver", async () => {
    const r = await receiver();
    const ch = await channel(`http://127.0.0.1:${r.port}/hook`);
    const id = await pauseSomething(ch);
    workers.push(await startWorker(process.env.TEST_DATABASE_URL!, { schedule: false, concurrency: 2, tasks: DELIVERY }));
    const msg = await waitFor("the webhook", async () => r.got.find((g) => g.headers["x-rollout-delivery"] === String(id)));
    const body = JSON.parse(msg.body);
    expect(body).toMatchObject({ event: "stage_changed", kind: "pause", reason: "maintenance window", delivery_id: id });
    expect(body.text).toContain("paused");
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(msg.headers["x-rollout-signature"]))!;
    expect(v1).toBe(createHmac("sha256", "test-secret").update(`${t}.${msg.body}`).digest("hex"));
    expect(await waitFor("delivered", async () => ((await delivery(id)).status === "delivered" ? delivery(id) : null))).toMatchObject({ attempts: 1, last_error: null });
  });

  it("retries with backoff while the receiver is down and delivers once it is back", async () => {
    // Find a free port, then leave it closed for the first attempt.
    const probe = await receiver();
    const port = probe.port;
    await new Promise((res) => probe.server.close(res));
    servers.splice(servers.indexOf(probe.server), 1);
    const ch = await channel(`http://127.0.0.1:${port}/hook`);
    const id = await pauseSomething(ch);
    workers.push(await startWorker(process.env.TEST_DATABASE_URL!, { schedule: false, tasks: DELIVERY }));
    const failed = await waitFor("a failed attempt", async () => {
      const d = await delivery(id);
      return d.attempts >= 1 ? d : null;
    });
    expect(failed.status).toBe("pending");
    expect(failed.last_error).toBe("connection failed (ECONNREFUSED)");
    const back = await receiver(undefined, port);
    await waitFor("the retried webhook", async () => back.got.find((g) => g.headers["x-rollout-delivery"] === String(id)));
    const d = await waitFor("delivered", async () => ((await delivery(id)).status === "delivered" ? delivery(id) : null));
    expect(d.attempts).toBeGreaterThanOrEqual(2);
  });

  it("delivers after the worker is killed mid-delivery and another one starts", async () => {
    // Hold this test's delivery open, as if the worker died while waiting for the
    // answer. Only that one: the channel also hears other files' stage changes.
    let target = "";
    let held = false;
    const r = await receiver((req, res) => {
      if (!held && target !== "" && req.headers["x-rollout-delivery"] === target) {
        held = true;
        res.on("close", () => {});
        return true;
      }
      return false;
    });
    const ch = await channel(`http://127.0.0.1:${r.port}/hook`);
    const id = await pauseSomething(ch);
    target = String(id);
    // One process (node with the tsx loader), so SIGKILL really kills the worker: the
    // tsx launcher would leave its child running.
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: process.env.TEST_DATABASE_URL, WORKER_SCHEDULE: "off", WORKER_TASKS: DELIVERY.join(",") },
      stdio: "ignore",
    });
    try {
      await waitFor("the first worker to take the job", async () => held, 60_000);
      const [job] = await db()`select locked_by from graphile_worker.jobs where key = ${`delivery:${id}`}`;
      expect(job.locked_by).toBeTruthy();
      child.kill("SIGKILL");
      await new Promise((res) => child.once("exit", res));
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    expect((await delivery(id)).status).toBe("pending");
    workers.push(await startWorker(process.env.TEST_DATABASE_URL!, { schedule: false, tasks: DELIVERY }));
    await waitFor("delivery by the second worker", async () => r.got.find((g) => g.headers["x-rollout-delivery"] === String(id)), 90_000);
    expect(await waitFor("delivered", async () => ((await delivery(id)).status === "delivered" ? delivery(id) : null))).toMatchObject({ status: "delivered" });
  }, 150_000);
});
