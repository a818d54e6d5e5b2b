// Fault-suite harness: a real embedded Postgres cluster per test file (its own
// data dir and port, so a file can stop and start it), fresh migrated databases,
// `next start` and worker child processes we own by PID, and an HTTP receiver.
// Nothing here is mocked; every bound below is for waiting, never an assertion.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { SignJWT } from "jose";
import postgres from "postgres";
import { migrate } from "../../lib/db/migrator";
import { dropDatabase, ensureProject, startEmbedded, type EmbeddedHandle } from "../../scripts/lib/embedded-db";
import { upsertAuthUser } from "../../lib/seed/users";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const DIST_DIR = process.env.NEXT_DIST_DIR ?? ".next";
export const AUTH_SECRET = randomBytes(32).toString("hex");
const bin = (n: string) => path.join(ROOT, "node_modules", ".bin", n);

export type Sql = postgres.Sql<Record<string, unknown>>;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const say = (m: string) => console.log(`[faults] ${m}`);

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 250): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A cluster this file owns: stop() and start() simulate a Postgres restart. */
export class Cluster {
  private handle: EmbeddedHandle | null = null;
  constructor(readonly dir: string, readonly port: number) {}
  get serverUrl() {
    return `postgres://postgres:postgres@127.0.0.1:${this.port}/postgres`;
  }
  async start() {
    if (this.handle) return;
    this.handle = await startEmbedded({ dir: this.dir, port: this.port, log: say });
  }
  async stop() {
    const h = this.handle;
    this.handle = null;
    await h?.stop();
  }
  /** A fresh, migrated database on this cluster; returns its URL. */
  async database(prefix: string): Promise<string> {
    const name = `${prefix}_${Date.now()}_${process.pid}`;
    const url = await ensureProject(this.serverUrl, name);
    await migrate(url, { root: ROOT });
    return url;
  }
  async drop(url: string) {
    await dropDatabase(this.serverUrl, new URL(url).pathname.slice(1)).catch(() => {});
  }
}

// ---- child processes (killed by PID, never by name) ----------------------------

export interface Child {
  proc: ChildProcess;
  name: string;
  /** stderr + stdout tail, for diagnosis. */
  output: () => string;
  exited: Promise<number | null>;
}
const children = new Set<Child>();

function track(name: string, proc: ChildProcess): Child {
  let out = "";
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  proc.stdout?.on("data", keep);
  proc.stderr?.on("data", keep);
  proc.once("error", keep.bind(null, Buffer.from("spawn error\n")));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  const child = { proc, name, output: () => out, exited };
  children.add(child);
  void exited.then(() => children.delete(child));
  return child;
}

export async function kill(child: Child, signal: NodeJS.Signals = "SIGTERM") {
  if (child.proc.exitCode === null && child.proc.signalCode === null && child.proc.pid) {
    try {
      process.kill(child.proc.pid, signal);
    } catch {
      /* already gone */
    }
  }
  const hard = setTimeout(() => child.proc.pid && child.proc.exitCode === null && process.kill(child.proc.pid, "SIGKILL"), 10_000);
  await child.exited;
  clearTimeout(hard);
}

/** Stops every child this file started (by PID). */
export async function killAll() {
  await Promise.all([...children].map((c) => kill(c)));
}

/** `next start` against `databaseUrl`, on 127.0.0.1:port; resolves once /api/health answers 200. */
export async function startApp(databaseUrl: string, port: number, extraEnv: Record<string, string> = {}): Promise<Child & { base: string }> {
  const proc = spawn(bin("next"), ["start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", NEXT_DIST_DIR: DIST_DIR, DATABASE_URL: databaseUrl, AUTH_SECRET, LOG_LEVEL: "fatal", NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${path.join(ROOT, "lib/security/forwarded-headers.mjs")}`.trim(), ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const child = track(`app:${port}`, proc);
  const base = `http://127.0.0.1:${port}`;
  await waitFor(`the app on port ${port}`, async () => {
    if (proc.exitCode !== null) throw new Error(`app exited: ${child.output()}`);
    return (await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5_000) })).ok;
  }, 90_000);
  return { ...child, base };
}

/**
 * scripts/worker.ts against `databaseUrl` (schedule off unless asked), as one node
 * process with tsx as a loader: the `tsx` command would run the worker in a child
 * process of its own, which a SIGKILL of the `tsx` process leaves running.
 */
export function startWorkerProcess(databaseUrl: string, extraEnv: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: { ...process.env, NOTIFY_ALLOWED_HOSTS: "127.0.0.1", DATABASE_URL: databaseUrl, WORKER_SCHEDULE: "off", LOG_LEVEL: "fatal", ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return track(`worker:${proc.pid}`, proc);
}

// ---- data ---------------------------------------------------------------------

/** A plan of `stages` stages with no gate checks, so advances only fail on conflicts. */
export async function createPlan(sql: Sql, stages: number): Promise<{ id: string; key: string }> {
  const key = `f-${randomUUID().slice(0, 12)}`;
  const [m] = await sql<{ id: string }[]>`insert into public.migrations (key, name) values (${key}, ${"Fault " + key}) returning id`;
  for (let i = 0; i < stages; i++) {
    await sql`insert into public.migration_stages (migration_id, position, key, name, min_soak_minutes, min_samples)
              values (${m.id}, ${i}, ${"s" + i}, ${"Stage " + i}, 0, 0)`;
  }
  return { id: m.id, key };
}

/** Workspaces enrolled in the plan at `stage` (entered two hours ago). */
export async function createWorkspaces(sql: Sql, migrationId: string, n: number, stage = 0): Promise<{ id: string; slug: string }[]> {
  const out: { id: string; slug: string }[] = [];
  for (let i = 0; i < n; i++) {
    const slug = `f-${randomUUID().slice(0, 12)}`;
    const [w] = await sql<{ id: string }[]>`insert into public.workspaces (slug, name, tier, is_canary) values (${slug}, ${"Fault " + slug}, 'standard', false) returning id`;
    await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at) values (${w.id}, ${migrationId}, ${stage}, now() - interval '2 hours')`;
    out.push({ id: w.id, slug });
  }
  return out;
}

/** An ingest token with every scope; returns the raw token. */
export async function createToken(sql: Sql): Promise<string> {
  const raw = `rc_${randomBytes(32).toString("base64url")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix) values ('fault suite', ${createHash("sha256").update(raw).digest("hex")}, ${raw.slice(0, 8)})`;
  return raw;
}

/** An operator member and a session cookie for it, signed like a local-mode sign-in. */
export async function createOperatorCookie(sql: Sql): Promise<string> {
  const email = `operator-${randomUUID().slice(0, 8)}@faults.example`;
  const u = { id: await upsertAuthUser(sql as never, { email, encryptedPassword: "x" }) };
  await sql`insert into public.members (user_id, role) values (${u.id}, 'operator')`;
  // Sessions live on the server: the cookie names an open row, as a sign-in creates it.
  const sessionId = randomUUID();
  await sql`insert into app_private.sessions (id, user_id, expires_at) values (${sessionId}, ${u.id}, now() + interval '2 hours')`;
  const jwt = await new SignJWT({ email, role: "authenticated", session_id: sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(u.id)
    .setAudience("authenticated")
    .setIssuer("rollout-console")
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(new TextEncoder().encode(AUTH_SECRET));
  return `rc_session=${jwt}`;
}

/** The id of a server action in the build under test (how the browser calls it). */
export function serverActionId(filename: string, exportedName: string): string {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, DIST_DIR, "server", "server-reference-manifest.json"), "utf8")) as {
    node: Record<string, { filename?: string; exportedName?: string }>;
  };
  const hit = Object.entries(manifest.node).find(([, v]) => v.filename === filename && v.exportedName === exportedName);
  if (!hit) throw new Error(`server action ${filename}#${exportedName} is not in the build`);
  return hit[0];
}

/** Calls a server action over HTTP as the browser does; returns the HTTP status and the action's result. */
export async function callAction(base: string, page: string, actionId: string, cookie: string, input: unknown, timeoutMs = 20_000): Promise<{ status: number; result: Record<string, unknown> | null }> {
  const res = await fetch(`${base}${page}`, {
    method: "POST",
    headers: { "Next-Action": actionId, "Content-Type": "text/plain;charset=UTF-8", Accept: "text/x-component", Origin: base, Cookie: cookie },
    body: JSON.stringify([input]),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  // Flight rows look like `1:{"data":...}`; the action's return value is the row with data or error.
  let result: Record<string, unknown> | null = null;
  for (const line of text.split("\n")) {
    const m = /^[0-9a-f]+:(\{.*\})$/.exec(line);
    if (!m) continue;
    try {
      const v = JSON.parse(m[1]) as Record<string, unknown>;
      if ("data" in v || "error" in v) result = v;
    } catch {
      /* not JSON */
    }
  }
  return { status: res.status, result };
}

// ---- a webhook receiver on 127.0.0.1 --------------------------------------------

export interface Receiver {
  server: Server;
  url: string;
  /** completed deliveries in arrival order (delivery id per request) */
  got: string[];
  /** the largest number of requests in flight at once for a single delivery id */
  maxConcurrentPerDelivery: () => number;
  /** requests whose connection closed before the answer (the sender was killed) */
  aborted: () => number;
  close: () => Promise<void>;
}

export function startReceiver(opts: { delayMs?: number; handler?: (req: IncomingMessage, res: ServerResponse) => boolean } = {}): Promise<Receiver> {
  const got: string[] = [];
  const inFlight = new Map<string, number>();
  let maxConcurrent = 0;
  let aborted = 0;
  const server = createServer((req, res) => {
    const id = String(req.headers["x-rollout-delivery"] ?? "");
    inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
    maxConcurrent = Math.max(maxConcurrent, inFlight.get(id)!);
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      inFlight.set(id, inFlight.get(id)! - 1);
    };
    res.on("close", finish);
    req.resume();
    req.on("end", () => {
      if (opts.handler?.(req, res)) return;
      setTimeout(() => {
        if (res.destroyed) {
          aborted++;
          return finish();
        }
        got.push(id);
        res.writeHead(204).end();
      }, opts.delayMs ?? 0);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        server,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
        got,
        maxConcurrentPerDelivery: () => maxConcurrent,
        aborted: () => aborted,
        close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
      }),
    ),
  );
}
