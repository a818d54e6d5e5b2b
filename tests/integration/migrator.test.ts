import { cpSync, mkdtempSync, writeFileSync, appendFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migrate } from "../../lib/db/migrator";
import { asOwner, dropDatabase, ensureDatabase, ensureProject, withDatabase } from "../../scripts/lib/embedded-db";

// Runs the migrator against its own fresh database on the same server, set up as a
// Supabase project is (supabase/local/shim.sql), as the non-superuser migrating role.
const ROOT = path.resolve(import.meta.dirname, "../..");
const name = `rc_migr_${Date.now()}_${process.pid}`;
const bare = `${name}_bare`;
const server = () => process.env.TEST_SERVER_ADMIN_URL!;
let url: string;

beforeAll(async () => {
  url = await ensureProject(server(), name);
  await ensureDatabase(server(), bare);
});

afterAll(async () => {
  await dropDatabase(server(), name);
  await dropDatabase(server(), bare);
});

describe("migrator", () => {
  it("applies every file on a fresh database and records it as the Supabase CLI does", async () => {
    const files = readdirSync(path.join(ROOT, "supabase/migrations")).filter((f) => f.endsWith(".sql"));
    const r = await migrate(url, { root: ROOT });
    expect(r.applied).toHaveLength(files.length);
    const sql = postgres(url, { max: 1 });
    const rows = await sql`select version, name, array_length(statements, 1) as n from supabase_migrations.schema_migrations order by version`;
    expect(rows.map((x) => `${x.version}_${x.name}.sql`)).toEqual(files.sort());
    const [{ add_job }] = await sql`select to_regprocedure('graphile_worker.add_job(text,json,text,timestamptz,integer,text,integer,text[],text)') is not null as add_job`;
    expect(add_job).toBe(true);
    await sql.end();
  });

  it("runs as a role that is not a superuser and cannot write the auth schema", async () => {
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    try {
      const [me] = await sql`select current_user as name, rolsuper, rolbypassrls, rolcreatedb, rolcreaterole from pg_roles where rolname = current_user`;
      expect(me).toMatchObject({ name: "rollout_owner", rolsuper: false, rolbypassrls: true, rolcreatedb: true, rolcreaterole: true });
      await expect(sql`create table auth.mine (id int)`).rejects.toThrow(/permission denied for schema auth/);
      await expect(sql`create or replace function auth.uid() returns uuid language sql as 'select null::uuid'`).rejects.toThrow(/must be owner|permission denied/);
    } finally {
      await sql.end();
    }
  });

  it("refuses a database that is not a Supabase project, and touches nothing there", async () => {
    const target = asOwner(withDatabase(server(), bare));
    await expect(migrate(target, { root: ROOT })).rejects.toThrow(/not a Supabase project/);
    const sql = postgres(withDatabase(server(), bare), { max: 1, onnotice: () => {} });
    try {
      const [{ n }] = await sql`select count(*)::int as n from pg_namespace where nspname in ('auth', 'app_private', 'supabase_migrations')`;
      expect(n).toBe(0);
    } finally {
      await sql.end();
    }
  });

  it("is safe to run twice: the second run applies nothing", async () => {
    const r = await migrate(url, { root: ROOT });
    expect(r.applied).toEqual([]);
    expect(r.skipped).toBeGreaterThan(0);
  });

  it("refuses to run when an applied file was edited", async () => {
    const copy = mkdtempSync(path.join(tmpdir(), "rc-migr-"));
    cpSync(path.join(ROOT, "supabase"), path.join(copy, "supabase"), { recursive: true });
    const dir = path.join(copy, "supabase/migrations");
    const first = readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()[0];
    appendFileSync(path.join(dir, first), "\n-- edited after it shipped\n");
    await expect(migrate(url, { root: copy })).rejects.toThrow(/was edited after it was applied/);
  });

  it("applies a new file and nothing else, in a transaction that leaves nothing behind on failure", async () => {
    const copy = mkdtempSync(path.join(tmpdir(), "rc-migr-"));
    cpSync(path.join(ROOT, "supabase"), path.join(copy, "supabase"), { recursive: true });
    writeFileSync(path.join(copy, "supabase/migrations/29991231000000_broken.sql"), "create table public.half_done (id int);\nselect 1/0;\n");
    await expect(migrate(url, { root: copy })).rejects.toThrow(/division by zero/);
    const sql = postgres(url, { max: 1 });
    const [{ t }] = await sql`select to_regclass('public.half_done') as t`;
    expect(t).toBeNull();
    const [{ n }] = await sql`select count(*)::int as n from supabase_migrations.schema_migrations where version = '29991231000000'`;
    expect(n).toBe(0);
    await sql.end();
  });
});
