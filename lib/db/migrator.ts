// Applies supabase/migrations/*.sql in order, each in its own transaction, and
// records them in supabase_migrations.schema_migrations as the Supabase CLI does.
// A file that was edited after it was applied is refused (sha256 checksum).
// It runs as the migrating role (Supabase's `postgres`, not a superuser) and never
// touches the `auth` schema: on a Supabase project the auth service owns it; on a
// plain Postgres the project's scripts set up a local stand-in first
// (supabase/local/shim.sql; scripts/lib/embedded-db.ts ensureProject).
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Logger, runMigrations } from "graphile-worker";
import postgres from "postgres";

export interface MigrateResult {
  applied: string[];
  skipped: number;
}

const FILE_RE = /^(\d{14})_([a-z0-9_]+)\.sql$/;
// A file whose first line is this runs outside a transaction.
const NO_TRANSACTION = /^-- migrate:no-transaction[ \t]*\r?\n/;

/** Splits a no-transaction file into statements (one per `;` at a line end; no function bodies there). */
export function splitStatements(text: string): string[] {
  return text
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
    .filter(Boolean);
}

// Any constant works; it only has to be the same for every migrator process.
const LOCK_KEY = 727_001;

export function migrationFiles(dir: string) {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort()
    .map((file) => {
      const m = FILE_RE.exec(file);
      if (!m) throw new Error(`migration file name must be <14-digit timestamp>_<name>.sql: ${file}`);
      const text = readFileSync(path.join(dir, file), "utf8");
      return { file, version: m[1], name: m[2], text, checksum: createHash("sha256").update(text).digest("hex") };
    });
}

export async function migrate(databaseUrl: string, opts: { root: string; log?: (m: string) => void }): Promise<MigrateResult> {
  const log = opts.log ?? (() => {});
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {}, prepare: false });
  const result: MigrateResult = { applied: [], skipped: 0 };
  try {
    await sql`select pg_advisory_lock(${LOCK_KEY})`;
    const [{ has_auth }] = await sql`select to_regclass('auth.users') is not null as has_auth`;
    if (!has_auth) {
      throw new Error(
        "this database is not a Supabase project (no auth.users): point DATABASE_URL at a Supabase project, " +
          "or let the project's scripts create a local one (npm run dev, npm test)",
      );
    }
    await sql.unsafe(`
      create schema if not exists supabase_migrations;
      create table if not exists supabase_migrations.schema_migrations (
        version text primary key, statements text[], name text);
      create table if not exists supabase_migrations.rollout_checksums (
        version text primary key, sha256 text not null, applied_at timestamptz not null default now());
    `);
    const appliedRows = await sql<{ version: string; sha256: string | null }[]>`
      select m.version, c.sha256
      from supabase_migrations.schema_migrations m
      left join supabase_migrations.rollout_checksums c using (version)`;
    const applied = new Map(appliedRows.map((r) => [r.version, r.sha256]));

    const files = migrationFiles(path.join(opts.root, "supabase/migrations"));
    for (const f of files) {
      if (applied.has(f.version)) {
        const recorded = applied.get(f.version);
        if (recorded && recorded !== f.checksum) {
          throw new Error(
            `migration ${f.file} was edited after it was applied (checksum ${f.checksum.slice(0, 12)} ≠ recorded ${recorded.slice(0, 12)}); add a new migration instead`,
          );
        }
        result.skipped++;
        continue;
      }
      log(`applying ${f.file}`);
      const record = async (tx: postgres.Sql | postgres.TransactionSql) => {
        await tx`insert into supabase_migrations.schema_migrations (version, statements, name)
                 values (${f.version}, ${[f.text]}, ${f.name})`;
        await tx`insert into supabase_migrations.rollout_checksums (version, sha256)
                 values (${f.version}, ${f.checksum})`;
      };
      if (NO_TRANSACTION.test(f.text)) {
        // e.g. `create index concurrently`, which cannot run in a transaction block:
        // statements run one by one, and are written to be safe to re-run.
        for (const statement of splitStatements(f.text)) await sql.unsafe(statement);
        await sql.begin((tx) => record(tx));
      } else {
        await sql.begin(async (tx) => {
          await tx.unsafe(f.text);
          await record(tx);
        });
      }
      result.applied.push(f.file);
    }

    // graphile-worker's own schema (the job queue used as the notification outbox).
    await runMigrations({ connectionString: databaseUrl, logger: quietLogger() });
    await sql`select pg_advisory_unlock(${LOCK_KEY})`;
  } finally {
    await sql.end();
  }
  return result;
}

// graphile-worker's logger: keep its errors, drop its info chatter.
function quietLogger() {
  return new Logger(() => (level: string, message: string) => {
    if (level === "error") console.error(message);
  });
}
