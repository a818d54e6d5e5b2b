// Every release upgrades a database created by any earlier one, with nothing lost.
// For each release in supabase/releases.json: its own code (taken from git
// history) creates and migrates a database and loads its demo data, exactly as a
// user of that release did; then today's code upgrades it. Asserted: every table
// keeps its rows and their values, and the upgraded schema equals a fresh install's
// (tables, columns, constraints, indexes, policies, triggers, functions, grants).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { migrate } from "../../lib/db/migrator";
import { dropDatabase, ensureDatabase, ensureProject, withDatabase } from "../../scripts/lib/embedded-db";

const ROOT = path.resolve(import.meta.dirname, "../..");
const releases = JSON.parse(readFileSync(path.join(ROOT, "supabase/releases.json"), "utf8")) as Record<string, { commit: string }>;
const server = () => process.env.TEST_SERVER_ADMIN_URL!;
const created: string[] = [];
const trees: string[] = [];

afterAll(async () => {
  for (const db of created) await dropDatabase(server(), db).catch(() => {});
  for (const t of trees) rmSync(t, { recursive: true, force: true });
});

/** The release's files, from git history, with today's node_modules. */
function checkout(version: string, commit: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `rc-release-${version}-`));
  trees.push(dir);
  const archive = spawnSync("git", ["-C", ROOT, "archive", "--format=tar", commit], { maxBuffer: 256 * 1024 * 1024 });
  if (archive.status !== 0) {
    throw new Error(`release ${version}: commit ${commit} is not in this clone's history (${archive.stderr}); the upgrade test needs the full history`);
  }
  execFileSync("tar", ["-x", "-C", dir], { input: archive.stdout });
  symlinkSync(path.join(ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

type Sql = postgres.Sql<Record<string, unknown>>;

// Append-only logs may gain rows during an upgrade (a migration that changes data is
// audited like any other change); the rows they had must stay exactly as they were.
const APPEND_ONLY = new Set(["audit_events", "stage_transitions", "flag_changes"]);

/** Per table of the application: row count and a digest of the given columns' values. */
async function contents(sql: Sql, columns: Map<string, string[]>, upTo?: Record<string, number>) {
  const out: Record<string, { rows: number; digest: string }> = {};
  for (const [table, cols] of columns) {
    const list = cols.map((c) => `t."${c.replace(/"/g, '""')}"`).join(", ");
    const limit = APPEND_ONLY.has(table) && upTo ? `where t.id <= ${Number(upTo[table] ?? 0)}` : "";
    const [r] = await sql.unsafe<{ rows: number; digest: string }[]>(
      `select count(*)::int as rows, coalesce(md5(string_agg(row(${list})::text, E'\\n' order by row(${list})::text)), '') as digest from ${table} t ${limit}`,
    );
    out[table] = r;
  }
  return out;
}

async function lastIds(sql: Sql): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of APPEND_ONLY) out[t] = Number((await sql.unsafe(`select coalesce(max(id), 0) as m from public.${t}`))[0].m);
  return out;
}

async function tableColumns(sql: Sql): Promise<Map<string, string[]>> {
  const rows = await sql<{ t: string; cols: string[] }[]>`
    select c.oid::regclass::text as t, array_agg(a.attname::text order by a.attnum) as cols
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where n.nspname in ('public', 'app_private') and c.relkind in ('r', 'p')
     group by 1 order by 1`;
  return new Map(rows.map((r) => [r.t, r.cols]));
}

/** The application's schema as comparable text, one line per object. */
async function schemaOf(sql: Sql): Promise<string[]> {
  const rows = await sql<{ line: string }[]>`
    with s as (select oid from pg_namespace where nspname in ('public', 'app_private'))
    select 'column ' || c.oid::regclass::text || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
           || case when a.attnotnull then ' not null' else '' end
           || coalesce(' default ' || pg_get_expr(d.adbin, d.adrelid), '') || coalesce(' identity ' || nullif(a.attidentity::text, ''), '') as line
      from pg_class c join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
     where c.relnamespace in (select oid from s) and c.relkind in ('r', 'p', 'v', 'm')
    union all
    select 'relation ' || c.oid::regclass::text || ' kind ' || c.relkind::text || ' rls ' || c.relrowsecurity::text || ' acl ' || coalesce(c.relacl::text, '-')
           || ' owner ' || pg_get_userbyid(c.relowner) || ' options ' || coalesce(c.reloptions::text, '-')
      from pg_class c where c.relnamespace in (select oid from s) and c.relkind in ('r', 'p', 'v', 'm', 'S')
    union all
    select 'constraint ' || conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      from pg_constraint where connamespace in (select oid from s)
    union all
    select 'index ' || pg_get_indexdef(i.indexrelid) || ' valid ' || i.indisvalid::text
      from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace in (select oid from s)
    union all
    select 'policy ' || schemaname || '.' || tablename || ' ' || policyname || ' ' || cmd || ' ' || roles::text
           || ' using ' || coalesce(qual, '-') || ' check ' || coalesce(with_check, '-')
      from pg_policies where schemaname in ('public', 'app_private')
    union all
    select 'trigger ' || pg_get_triggerdef(t.oid) from pg_trigger t join pg_class c on c.oid = t.tgrelid
     where c.relnamespace in (select oid from s) and not t.tgisinternal
    union all
    select 'function ' || p.oid::regprocedure::text || ' returns ' || pg_get_function_result(p.oid) || ' kind ' || p.prokind::text
           || ' definer ' || p.prosecdef::text || ' volatility ' || p.provolatile::text || ' config ' || coalesce(p.proconfig::text, '-')
           || ' acl ' || coalesce(p.proacl::text, '-') || ' owner ' || pg_get_userbyid(p.proowner) || ' body ' || md5(p.prosrc)
      from pg_proc p where p.pronamespace in (select oid from s)
    union all
    select 'schema ' || nspname || ' acl ' || coalesce(nspacl::text, '-') || ' owner ' || pg_get_userbyid(nspowner)
      from pg_namespace where nspname = 'app_private'
    union all
    select 'default acl ' || pg_get_userbyid(defaclrole) || ' ' || coalesce(defaclnamespace::regnamespace::text, '*') || ' '
           || defaclobjtype::text || ' ' || defaclacl::text
      from pg_default_acl where defaclrole = (select oid from pg_roles where rolname = current_user)
    order by 1`;
  return rows.map((r) => r.line);
}

function run(cwd: string, script: string, env: Record<string, string>) {
  const r = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [script], { cwd, env: { ...process.env, ...env }, encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`${script} in the release tree failed:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe.each(Object.entries(releases))("upgrade from %s", (version, { commit }) => {
  // Two databases, a release's own seed and two migration runs: minutes on a busy machine.
  it("keeps every row and ends with the schema of a fresh install", { timeout: 900_000 }, async () => {
    const tree = checkout(version, commit);
    expect(existsSync(path.join(tree, "scripts/seed.ts"))).toBe(true);
    const stamp = `${Date.now()}_${process.pid}`;
    const oldDb = `rc_upgrade_${version.replace(/\W/g, "_")}_${stamp}`;
    const freshDb = `rc_fresh_${stamp}`;
    created.push(oldDb, freshDb);

    // As a user of the release did: its migrator (and its own local stand-in) and its demo data.
    await ensureDatabase(server(), oldDb);
    run(tree, "scripts/seed.ts", { DATABASE_URL: withDatabase(server(), oldDb) });

    const admin = postgres(withDatabase(server(), oldDb), { max: 1, onnotice: () => {} }) as Sql;
    let before: Awaited<ReturnType<typeof contents>>;
    let columns: Map<string, string[]>;
    let logEnds: Record<string, number>;
    try {
      // Rows in the tables the demo data leaves empty, so that every table is checked with data.
      await admin`insert into public.notification_channels (name, kind, url, secret, events)
                  values ('release webhook', 'webhook', 'http://127.0.0.1:9/hook', 'shh', array['stage_changed'])`;
      await admin`insert into public.ingest_tokens (name, token_hash, prefix, scopes)
                  values ('release token', encode(sha256(random()::text::bytea), 'hex'), 'rc_relea', array['metrics:write'])`;
      await admin`select public.run_guardrail_sweep()`;
      await admin`select app_private.notify('stage_changed', '{"release": true}'::jsonb)`;
      await admin`insert into public.performance_alerts (rule_id, workspace_id, migration_id, severity, message, threshold, stage_at_breach, evaluation)
                  select g.id, r.workspace_id, r.migration_id, g.severity, 'release alert', g.threshold, r.stage, '{"verdict": "breach"}'
                    from public.guardrail_rules g, public.workspace_rollouts r order by g.id, r.workspace_id limit 1`;
      await admin`select public.set_flag_override(f.id, w.id, true, 'release override')
                    from (select id from public.feature_flags order by key limit 1) f, (select id from public.workspaces order by slug limit 1) w`;
      await admin`insert into app_private.ingest_requests (token_id, key, request_hash, response)
                  select id, 'release-key', 'hash', '{"accepted": 1}' from public.ingest_tokens limit 1`;
      await admin`insert into app_private.sign_in_failures (key, failures) values ('release@example.com', 2)`;
      await admin`insert into app_private.worker_heartbeats (worker_id) values ('release-worker')`;
      columns = await tableColumns(admin);
      before = await contents(admin, columns);
      logEnds = await lastIds(admin);
    } finally {
      await admin.end();
    }
    const empty = Object.entries(before).filter(([, v]) => v.rows === 0).map(([t]) => t);
    expect(Object.keys(before).length).toBeGreaterThan(15);

    // Today's code upgrades it.
    const ownerUrl = await ensureProject(server(), oldDb);
    const applied = await migrate(ownerUrl, { root: ROOT });
    expect(applied.applied.length).toBeGreaterThan(0);

    const upgraded = postgres(ownerUrl, { max: 1, onnotice: () => {} }) as Sql;
    const fresh = postgres(await ensureProject(server(), freshDb), { max: 1, onnotice: () => {} }) as Sql;
    try {
      // No table lost a row or changed a value of a column it had.
      expect(await contents(upgraded, columns, logEnds)).toEqual(before);
      await migrate(withDatabase(ownerUrl, freshDb), { root: ROOT });
      const [upgradedSchema, freshSchema] = [await schemaOf(upgraded), await schemaOf(fresh)];
      expect(upgradedSchema.filter((l) => !freshSchema.includes(l))).toEqual([]);
      expect(freshSchema.filter((l) => !upgradedSchema.includes(l))).toEqual([]);
    } finally {
      await upgraded.end();
      await fresh.end();
    }
    // Only tables no release has data for may be empty; say which, so the list stays short.
    expect(empty.sort()).toEqual(EMPTY_IN_DEMO_DATA);
  });
});

// Tables the 0.1.0 demo data and the rows above leave empty (nothing to lose there).
const EMPTY_IN_DEMO_DATA: string[] = [];
