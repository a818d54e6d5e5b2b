// Shared by the benchmarks: a fresh database of their own (on BENCH_DATABASE_URL's
// server when set, else an embedded Postgres under .data/pg-bench), migrated and
// seeded, and optionally the production build + worker on 127.0.0.1. Everything
// started here is stopped and the database dropped at the end.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { migrate } from "../../lib/db/migrator";
import { seedDemo } from "../../lib/seed/demo";
import { dropDatabase, ensureProject, ROOT, startEmbedded, withDatabase } from "../../scripts/lib/embedded-db";

export interface BenchDb {
  url: string;
  sql: postgres.Sql;
  stop(): Promise<void>;
}

export async function benchDatabase(tag: string, opts: { seed?: boolean } = {}): Promise<BenchDb> {
  let serverUrl: string;
  let stopServer = async () => {};
  if (process.env.BENCH_DATABASE_URL) {
    serverUrl = withDatabase(process.env.BENCH_DATABASE_URL, "postgres");
  } else {
    const pg = await startEmbedded({ dir: "pg-bench", port: Number(process.env.BENCH_PG_PORT ?? 54381) });
    serverUrl = pg.adminUrl("postgres");
    stopServer = pg.stop;
  }
  const name = `rc_bench_${tag}_${Date.now()}_${process.pid}`;
  const url = await ensureProject(serverUrl, name);
  await migrate(url, { root: ROOT });
  const sql = postgres(url, { max: 8, onnotice: () => {} });
  if (opts.seed !== false) await seedDemo(sql as never);
  return {
    url,
    sql,
    stop: async () => {
      await sql.end();
      await dropDatabase(serverUrl, name).catch(() => {});
      await stopServer();
    },
  };
}

export interface BenchApp {
  baseUrl: string;
  /** pid of the web process */
  pid: number;
  stop(): Promise<void>;
}

/** next start (production build in NEXT_DIST_DIR, default .next) and optionally the worker. */
export async function startApp(dbUrl: string, opts: { port?: number; worker?: boolean; dist?: string; env?: Record<string, string> } = {}): Promise<BenchApp> {
  const dist = opts.dist ?? process.env.NEXT_DIST_DIR ?? ".next";
  if (!existsSync(path.join(ROOT, dist, "BUILD_ID"))) throw new Error(`No production build in ${dist}: run \`npm run build\` first`);
  const port = opts.port ?? Number(process.env.BENCH_PORT ?? 3601);
  const baseUrl = `http://127.0.0.1:${port}`;
  const env = { ...process.env, NEXT_DIST_DIR: dist, DATABASE_URL: dbUrl, AUTH_SECRET: randomBytes(32).toString("hex"), NODE_ENV: "production" as const, LOG_LEVEL: "warn", NOTIFY_ALLOWED_HOSTS: "127.0.0.1", ...opts.env };
  const webEnv = { ...env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import ${path.join(ROOT, "lib/security/forwarded-headers.mjs")}`.trim() };
  const children: ChildProcess[] = [spawn(path.join(ROOT, "node_modules/.bin/next"), ["start", "-H", "127.0.0.1", "-p", String(port)], { cwd: ROOT, env: webEnv, stdio: ["ignore", "ignore", "inherit"] })];
  if (opts.worker) children.push(spawn(path.join(ROOT, "node_modules/.bin/tsx"), ["scripts/worker.ts"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] }));
  const stop = async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
  };
  for (let i = 0; i < 120; i++) {
    try {
      if ((await fetch(`${baseUrl}/api/health`)).ok) return { baseUrl, pid: children[0].pid!, stop };
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error("the app did not come up");
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const f = (x: number) => `${x.toFixed(1)} ms`;
  return `n=${s.length} p50 ${f(percentile(s, 50))} p95 ${f(percentile(s, 95))} p99 ${f(percentile(s, 99))} max ${f(s.at(-1) ?? NaN)}`;
}

/** Resident memory (MB) of a process and its children, from /proc. */
export function rssMb(pid: number): number {
  const all = [pid];
  try {
    for (const child of readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) all.push(Number(child));
  } catch {
    /* no children list */
  }
  let kb = 0;
  for (const p of all) {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {
      /* exited */
    }
  }
  return kb / 1024;
}
