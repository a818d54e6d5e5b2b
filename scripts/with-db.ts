// Runs a command against a fresh, migrated test database, then drops it.
// Server: TEST_DATABASE_URL when set (e.g. the Postgres 15 service), else an
// embedded Postgres under .data/pg-test. The database is a local stand-in of a
// Supabase project (supabase/local/shim.sql). The command sees TEST_DATABASE_URL
// (the non-superuser migrating role) and TEST_SERVER_ADMIN_URL (the server's
// superuser, for tests that set up databases of their own).
import { spawn } from "node:child_process";
import { dropDatabase, ensureProject, startEmbedded, withDatabase } from "./lib/embedded-db";

const [cmd, ...args] = process.argv.slice(2);
if (!cmd) {
  console.error("usage: tsx scripts/with-db.ts <command> [args…]");
  process.exit(2);
}

let serverUrl: string;
let stop = async () => {};
if (process.env.TEST_DATABASE_URL) {
  serverUrl = withDatabase(process.env.TEST_DATABASE_URL, "postgres");
} else {
  const pg = await startEmbedded({ dir: "pg-test", port: Number(process.env.TEST_PG_PORT ?? 54331), log: (m) => console.log(m) });
  serverUrl = pg.adminUrl("postgres");
  stop = pg.stop;
}
const name = `rc_test_${Date.now()}_${process.pid}`;
const url = await ensureProject(serverUrl, name);
console.log(`test database: ${name}`);

const child = spawn(cmd, args, { stdio: "inherit", env: { ...process.env, TEST_DATABASE_URL: url, DATABASE_URL: url, TEST_SERVER_ADMIN_URL: serverUrl } });
const code: number = await new Promise((resolve) => child.on("exit", (c, s) => resolve(c ?? (s ? 1 : 0))));
if (!process.env.KEEP_TEST_DB) await dropDatabase(serverUrl, name).catch((e) => console.error("drop failed", e));
await stop();
process.exit(code);
