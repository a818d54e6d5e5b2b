// npm run test:e2e — Playwright against the real built app (next build + next start)
// and the worker, on a fresh migrated and seeded database, in Debian Chromium.
// Extra arguments go to `playwright test` (e.g. a spec file).
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { migrate } from "../lib/db/migrator";
import { seedDemo } from "../lib/seed/demo";
import { ensureChromium } from "./lib/chromium";
import { dropDatabase, ensureProject, ROOT, startEmbedded, withDatabase } from "./lib/embedded-db";

const port = Number(process.env.E2E_PORT ?? 3100);
const say = (m: string) => console.log(`[e2e] ${m}`);
ensureChromium(say);
const bin = (n: string) => path.join(ROOT, "node_modules", ".bin", n);

let serverUrl: string;
let stopDb = async () => {};
if (process.env.TEST_DATABASE_URL) {
  serverUrl = withDatabase(process.env.TEST_DATABASE_URL, "postgres");
} else {
  const pg = await startEmbedded({ dir: "pg-e2e", port: Number(process.env.E2E_PG_PORT ?? 54341), log: say });
  serverUrl = pg.adminUrl("postgres");
  stopDb = pg.stop;
}
const dbName = `rc_e2e_${Date.now()}_${process.pid}`;
const url = await ensureProject(serverUrl, dbName);
await migrate(url, { root: ROOT });
{
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await seedDemo(sql);
  await sql.end();
}
say(`database ${dbName} migrated and seeded`);

const env = {
  ...process.env,
  DATABASE_URL: url,
  AUTH_SECRET: randomBytes(32).toString("hex"),
  NODE_ENV: "production" as const,
  E2E_DATABASE_URL: url,
  BASE_URL: `http://127.0.0.1:${port}`,
  GUARDRAIL_SWEEP_SECONDS: process.env.GUARDRAIL_SWEEP_SECONDS ?? "5",
  // Test webhooks listen on 127.0.0.1; every other private address stays refused.
  NOTIFY_ALLOWED_HOSTS: process.env.NOTIFY_ALLOWED_HOSTS ?? "127.0.0.1",
};
// The web server sees client-sent X-Forwarded-* replaced by the socket's truth (no trusted proxy here).
const webEnv = { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${path.join(ROOT, "lib/security/forwarded-headers.mjs")}`.trim() };

function run(cmd: string, args: string[], extraEnv: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd: ROOT, env: { ...env, ...extraEnv }, stdio: "inherit" });
    c.on("exit", (code) => resolve(code ?? 1));
  });
}

if (!(process.env.E2E_SKIP_BUILD === "1" && existsSync(path.join(ROOT, process.env.NEXT_DIST_DIR ?? ".next", "BUILD_ID")))) {
  say("building the app");
  const code = await run(bin("next"), ["build"]);
  if (code !== 0) process.exit(code);
}

const children: ChildProcess[] = [];
children.push(spawn(bin("next"), ["start", "-H", "127.0.0.1", "-p", String(port)], { cwd: ROOT, env: webEnv, stdio: ["ignore", "ignore", "inherit"] }));
children.push(spawn(bin("tsx"), ["scripts/worker.ts"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] }));

let up = false;
for (let i = 0; i < 240 && !up; i++) {
  try {
    up = (await fetch(`${env.BASE_URL}/api/health`)).ok;
  } catch {
    /* starting */
  }
  if (!up) await new Promise((r) => setTimeout(r, 500));
}
let code = 1;
if (!up) say("the app did not come up");
else code = await run(bin("playwright"), ["test", ...process.argv.slice(2)]);

for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
if (!process.env.KEEP_TEST_DB) await dropDatabase(serverUrl, dbName).catch(() => {});
await stopDb();
process.exit(code);
