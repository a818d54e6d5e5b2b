// npm run dev (or npm start for a production build): the whole stack in one command.
// Database: DATABASE_URL when set, else the embedded Postgres under .data/
// (initialised once, reused afterwards), migrated and seeded on first start.
// Then the worker, the edge server (state, flags, SSE, OFREP for services) and
// the web app; prints where to open them and how to sign in.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { migrate } from "../lib/db/migrator";
import { isSeeded, seedDemo } from "../lib/seed/demo";
import { DEMO_PASSWORD, DEMO_USERS } from "../lib/seed/plans";
import { resolveDevDatabase } from "./lib/dev-database";
import { ROOT } from "./lib/embedded-db";

const prod = process.argv.includes("--prod");
const port = Number(process.env.PORT ?? 3000);
const edgePort = Number(process.env.EDGE_PORT ?? port + 1);
const host = process.env.HOST ?? "localhost";
const say = (m: string) => console.log(`[rollout] ${m}`);

function authSecret(): string {
  if (process.env.AUTH_SECRET) return process.env.AUTH_SECRET;
  const file = path.join(ROOT, ".data", "auth-secret");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  }
  return readFileSync(file, "utf8").trim();
}

const db = await resolveDevDatabase(say);
say(db.embedded ? `embedded Postgres ready (data in .data/postgres)` : "using DATABASE_URL");
const m = await migrate(db.url, { root: ROOT, log: say });
say(`migrations: ${m.applied.length} applied, ${m.skipped} already applied`);
{
  const sql = postgres(db.url, { max: 1, onnotice: () => {} });
  if (!(await isSeeded(sql))) {
    say("seeding demo data (first start)…");
    const s = await seedDemo(sql);
    say(`seeded ${s.workspaces} workspaces, ${s.transitions} transitions`);
  }
  await sql.end();
}

// Local development may post notifications to a webhook on this machine.
// The web server sees client-sent X-Forwarded-* replaced by the socket's truth unless
// TRUST_PROXY says a proxy runs in front (lib/security/forwarded-headers.mjs).
const env = {
  NOTIFY_ALLOWED_HOSTS: "127.0.0.1,localhost",
  ...process.env,
  DATABASE_URL: db.url,
  AUTH_SECRET: authSecret(),
  PORT: String(port),
  EDGE_PORT: String(edgePort),
  EDGE_HOST: process.env.EDGE_HOST ?? "127.0.0.1",
  NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${path.join(ROOT, "lib/security/forwarded-headers.mjs")}`.trim(),
};
const children: ChildProcess[] = [];
const bin = (name: string) => path.join(ROOT, "node_modules", ".bin", name);

function start(cmd: string, args: string[], name: string) {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
  child.on("exit", (code, signal) => {
    if (!shuttingDown) {
      say(`${name} exited (${signal ?? code}); stopping`);
      void shutdown(code ?? 1);
    }
  });
  children.push(child);
  return child;
}

let shuttingDown = false;
async function shutdown(code = 0) {
  if (shuttingDown) return;
  shuttingDown = true;
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  await db.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

if (prod && !existsSync(path.join(ROOT, process.env.NEXT_DIST_DIR ?? ".next", "BUILD_ID"))) {
  say("building the app (first production start)…");
  await new Promise<void>((resolve, reject) => {
    const b = spawn(bin("next"), ["build"], { cwd: ROOT, env, stdio: "inherit" });
    b.on("exit", (c) => (c === 0 ? resolve() : reject(new Error(`next build failed (${c})`))));
  });
}

start(bin("tsx"), ["scripts/worker.ts"], "worker");
start(bin("tsx"), ["scripts/edge.ts"], "edge server");
start(bin("next"), [prod ? "start" : "dev", "-p", String(port), "-H", host], "web app");

// Wait until the app and the edge answer, then say where they are.
const url = `http://${host}:${port}`;
const edgeUrl = `http://${env.EDGE_HOST}:${edgePort}`;
for (const health of [`${url}/api/health`, `${edgeUrl}/health`]) {
  for (let i = 0; i < 600 && !shuttingDown; i++) {
    try {
      const res = await fetch(health);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
console.log(`
  Rollout Console is running: ${url}
  Edge server for your services (state, SSE, OFREP): ${edgeUrl}

  Sign in with any of (password: ${DEMO_PASSWORD})
${DEMO_USERS.map((u) => `    ${u.email.padEnd(24)} ${u.role}`).join("\n")}

  Ctrl-C stops the app, the worker, the edge server${db.embedded ? " and the embedded database" : ""}.
`);
