// Shared helpers of the benchmark scripts: a database of their own, percentiles.
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import postgres from "postgres";
import { percentile as nearestRank } from "./lib/stack";
import { migrate } from "../lib/db/migrator";
import { seedDemo } from "../lib/seed/demo";
import { ensureProject } from "../scripts/lib/embedded-db";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const SERVER_URL = process.env.BENCH_DATABASE_SERVER ?? process.env.TEST_SERVER_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export function dbUrl(name: string): string {
  const u = new URL(SERVER_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A fresh, migrated and seeded database named `name` (dropped first if it exists). */
export async function freshDatabase(name: string): Promise<string> {
  const admin = postgres(dbUrl("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
  const url = await ensureProject(dbUrl("postgres"), name);
  await migrate(url, { root: ROOT });
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await seedDemo(sql);
  await sql.end();
  return url;
}

/** An ingest token for every workspace (raw secret) and the demo plan's enrolled workspaces. */
export async function ingestTokenAndTargets(sql: postgres.Sql<Record<string, unknown>>) {
  const raw = `rc_${randomBytes(32).toString("base64url")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix) values ('bench', ${createHash("sha256").update(raw).digest("hex")}, ${raw.slice(0, 10)})`;
  const targets = await sql<{ slug: string; ws: string; mig: string }[]>`
    select w.slug, w.id as ws, m.id as mig from public.workspace_rollouts r
    join public.workspaces w on w.id = r.workspace_id join public.migrations m on m.id = r.migration_id
    where m.key = 'lead-centric' order by w.slug`;
  return { raw, targets };
}

export async function dropDatabase(name: string) {
  const admin = postgres(dbUrl("postgres"), { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${name} with (force)`);
  await admin.end();
}

/** Nearest-rank percentile with q as a fraction (0.95); one definition for every bench. */
export function percentile(sorted: number[], q: number): number {
  return nearestRank(sorted, q * 100);
}

export function summary(ms: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  return `p50 ${percentile(s, 0.5).toFixed(1)} ms, p95 ${percentile(s, 0.95).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms (n=${s.length})`;
}
