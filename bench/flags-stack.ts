// Shared by the flag benchmarks: a fresh database (migrated, seeded, with a
// state:read token) on the server of BENCH_DATABASE_URL (default: the local
// Postgres service) and the production build (NEXT_DIST_DIR, default
// .next-flags) started with `next start` on 127.0.0.1. Everything is removed at the end.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { migrate } from "../lib/db/migrator";
import { seedDemo } from "../lib/seed/demo";
import { dropDatabase, ensureDatabase, ROOT, withDatabase } from "../scripts/lib/embedded-db";

export interface FlagsStack {
  baseUrl: string;
  dbUrl: string;
  token: string;
  sql: postgres.Sql;
  stop(): Promise<void>;
}

export async function startFlagsStack(opts: { port?: number; poolMax?: number } = {}): Promise<FlagsStack> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const dist = process.env.NEXT_DIST_DIR ?? ".next-flags";
  if (!existsSync(path.join(ROOT, dist, "BUILD_ID"))) throw new Error(`No production build in ${dist}: run NEXT_DIST_DIR=${dist} npx next build first`);
  const dbName = `rc_bench_flags_${Date.now()}_${process.pid}`;
  await ensureDatabase(serverUrl, dbName);
  const dbUrl = withDatabase(serverUrl, dbName);
  await migrate(dbUrl, { root: ROOT });
  const sql = postgres(dbUrl, { max: 4, onnotice: () => {} });
  await seedDemo(sql as never);
  const token = `rc_${randomBytes(24).toString("hex")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix, scopes)
            values ('bench', ${createHash("sha256").update(token).digest("hex")}, ${token.slice(0, 8)}, ${["state:read"]})`;

  const port = opts.port ?? Number(process.env.BENCH_PORT ?? 3301);
  const baseUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(path.join(ROOT, "node_modules/.bin/next"), ["start", "-H", "127.0.0.1", "-p", String(port)], {
    cwd: ROOT,
    env: { ...process.env, NEXT_DIST_DIR: dist, DATABASE_URL: dbUrl, AUTH_SECRET: randomBytes(32).toString("hex"), NODE_ENV: "production", DB_POOL_MAX: String(opts.poolMax ?? 10), LOG_LEVEL: "warn" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  let up = false;
  for (let i = 0; i < 120 && !up; i++) {
    try {
      up = (await fetch(`${baseUrl}/api/health`)).ok;
    } catch {
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    await sql.end();
    await dropDatabase(serverUrl, dbName).catch(() => {});
  };
  if (!up) {
    await stop();
    throw new Error("the app did not come up");
  }
  return { baseUrl, dbUrl, token, sql, stop };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
