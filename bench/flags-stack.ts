// Shared by the flag benchmarks: a fresh database (migrated, seeded, with a
// state:read token) on the server of BENCH_DATABASE_URL (default: the local
// Postgres service) and the production build (NEXT_DIST_DIR, default
// .next-flags) started with `next start` on 127.0.0.1. Everything is removed at the end.
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { migrate } from "../lib/db/migrator";
import { seedDemo } from "../lib/seed/demo";
import { dropDatabase, ensureProject, ROOT } from "../scripts/lib/embedded-db";
import { startApp, type BenchApp } from "./lib/stack";

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
  const dbUrl = await ensureProject(serverUrl, dbName);
  await migrate(dbUrl, { root: ROOT });
  const sql = postgres(dbUrl, { max: 4, onnotice: () => {} });
  await seedDemo(sql as never);
  const token = `rc_${randomBytes(24).toString("hex")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix, scopes)
            values ('bench', ${createHash("sha256").update(token).digest("hex")}, ${token.slice(0, 8)}, ${["state:read"]})`;

  const port = opts.port ?? Number(process.env.BENCH_PORT ?? 3301);
  let app: BenchApp;
  try {
    app = await startApp(dbUrl, { port, dist, env: { DB_POOL_MAX: String(opts.poolMax ?? 10) } });
  } catch (e) {
    await sql.end();
    await dropDatabase(serverUrl, dbName).catch(() => {});
    throw e;
  }
  const baseUrl = app.baseUrl;
  const stop = async () => {
    await app.stop();
    await sql.end();
    await dropDatabase(serverUrl, dbName).catch(() => {});
  };
  return { baseUrl, dbUrl, token, sql, stop };
}

export { percentile } from "./lib/stack";
