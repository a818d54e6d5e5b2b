// What each API role can reach, compared with an allow-list kept in the repository
// (tests/integration/privileges.allow.json). On a Supabase project anon and
// authenticated reach the database through the REST API with public keys, and
// service_role with the service key: a grant nobody meant to make is a hole. A new
// grant fails this test until it is added to the allow-list on purpose
// (UPDATE_PRIVILEGES_ALLOWLIST=1 rewrites the file; review the diff).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { asAnon, asUser, closeDb, createUser, db, type Tx } from "../helpers/db";

const ALLOW_FILE = path.join(import.meta.dirname, "privileges.allow.json");
const ROLES = ["anon", "authenticated", "service_role"] as const;
type Reach = Record<(typeof ROLES)[number], { execute: string[]; write: string[] }>;

afterAll(closeDb);

// Every schema but the system's and the auth service's own.
const SCHEMAS = `n.nspname not in ('pg_catalog', 'information_schema', 'auth', 'extensions', 'pg_toast')
                 and n.nspname not like 'pg\\_temp%' and n.nspname not like 'pg\\_toast%'`;

async function reach(): Promise<Reach> {
  const out = {} as Reach;
  for (const role of ROLES) {
    const fns = await db().unsafe<{ f: string }[]>(`
      select p.oid::regprocedure::text as f from pg_proc p join pg_namespace n on n.oid = p.pronamespace
       where ${SCHEMAS} and has_schema_privilege($1, n.oid, 'usage') and has_function_privilege($1, p.oid, 'execute')
       order by 1`, [role]);
    const tables = await db().unsafe<{ t: string }[]>(`
      select c.oid::regclass::text || ': ' || array_to_string(array_remove(array[
               case when has_table_privilege($1, c.oid, 'insert') then 'insert' end,
               case when has_table_privilege($1, c.oid, 'update') then 'update' end,
               case when has_table_privilege($1, c.oid, 'delete') then 'delete' end,
               case when has_table_privilege($1, c.oid, 'truncate') then 'truncate' end,
               case when c.relkind = 'S' and has_sequence_privilege($1, c.oid, 'update') then 'nextval' end], null), ', ') as t
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where ${SCHEMAS} and c.relkind in ('r', 'p', 'v', 'm', 'S') and has_schema_privilege($1, n.oid, 'usage')
         and (has_table_privilege($1, c.oid, 'insert') or has_table_privilege($1, c.oid, 'update')
              or has_table_privilege($1, c.oid, 'delete') or has_table_privilege($1, c.oid, 'truncate')
              or (c.relkind = 'S' and has_sequence_privilege($1, c.oid, 'update')))
       order by 1`, [role]);
    out[role] = { execute: fns.map((r) => r.f), write: tables.map((r) => r.t) };
  }
  return out;
}

describe("privileges of the API roles", () => {
  it("match the allow-list kept in the repository", async () => {
    const actual = await reach();
    if (process.env.UPDATE_PRIVILEGES_ALLOWLIST === "1") writeFileSync(ALLOW_FILE, JSON.stringify(actual, null, 2) + "\n");
    const allowed = JSON.parse(readFileSync(ALLOW_FILE, "utf8")) as Reach;
    for (const role of ROLES) {
      const extraFns = actual[role].execute.filter((f) => !allowed[role].execute.includes(f));
      const extraWrites = actual[role].write.filter((t) => !allowed[role].write.includes(t));
      expect({ role, executableButNotAllowed: extraFns, writableButNotAllowed: extraWrites }).toEqual({
        role, executableButNotAllowed: [], writableButNotAllowed: [],
      });
      // A grant the allow-list names but the database no longer has: keep the list true.
      expect({ role, allowedButGone: allowed[role].execute.filter((f) => !actual[role].execute.includes(f)) }).toEqual({ role, allowedButGone: [] });
    }
  });

  it("anon reaches only the token-checked ingest and state functions, and writes nothing", async () => {
    const { anon } = await reach();
    expect(anon.execute).toEqual([
      "ingest_feedback(text,text,text,text[],text[],integer[],jsonb)",
      "ingest_metric_batches(jsonb,text[],text[],text[],integer[],integer[],integer[],integer[],boolean[],double precision[],double precision[])",
      "ingest_metrics(text,text,text,text[],text[],text[],integer[],integer[],integer[],integer[],boolean[],double precision[],double precision[])",
      "ingest_otlp(text,text[],text[],text[],integer[],integer[],integer[],integer[],boolean[],double precision[],double precision[],integer[],integer[],integer[],boolean[],double precision[],bigint[],double precision[],double precision[],double precision[],text[],text[],jsonb)",
      "ingest_token_lookup(text)",
      "otlp_prepare(text,text[],text[],integer[],text[])",
      "workspace_state(text,text,text,text[])",
    ]);
    expect(anon.write).toEqual([]);
  });

  it("nothing but the role-checked functions writes rollouts, transitions, audit rows, members or flags", async () => {
    const protectedTables = ["workspace_rollouts", "stage_transitions", "audit_events", "flag_changes", "feature_flags", "flag_overrides"];
    const r = await reach();
    for (const role of ROLES) {
      for (const t of protectedTables) expect(r[role].write.filter((w) => w.startsWith(`${t}:`))).toEqual([]);
    }
    // Members: only authenticated, and RLS lets only admins (tests/integration/rls.test.ts).
    expect(r.service_role.write.filter((w) => w.startsWith("members:"))).toEqual([]);
    expect(r.anon.write.filter((w) => w.startsWith("members:"))).toEqual([]);
  });
});

describe("refused in practice", () => {
  const expectDenied = (p: Promise<unknown>) => expect(p).rejects.toThrow(/permission denied/);

  it("anon cannot run maintenance, sweeps, flag or stage functions", async () => {
    await expectDenied(asAnon((tx) => tx`select public.prune_raw_metrics('14 days')`));
    await expectDenied(asAnon((tx) => tx`select public.run_guardrail_sweep()`));
    await expectDenied(asAnon((tx) => tx`select public.after_telemetry_batch(array[gen_random_uuid()], array[gen_random_uuid()])`));
    await expectDenied(asAnon((tx) => tx`select public.disable_migration_flags_for_workspace(gen_random_uuid(), gen_random_uuid(), 'x')`));
    await expectDenied(asAnon((tx) => tx`select public.emergency_stop(gen_random_uuid(), 'because')`));
    await expectDenied(asAnon((tx) => tx`select public.flag_bucket('a', 'b')`));
    await expectDenied(asAnon((tx) => tx`select * from public.workspaces`));
  });

  it("a viewer cannot run maintenance or system-only functions", async () => {
    const viewer = await createUser("viewer");
    await expectDenied(asUser(viewer, (tx) => tx`select public.prune_raw_metrics('14 days')`));
    await expectDenied(asUser(viewer, (tx) => tx`select public.run_guardrail_sweep()`));
    await expectDenied(asUser(viewer, (tx) => tx`select public.disable_migration_flags_for_workspace(gen_random_uuid(), gen_random_uuid(), 'x')`));
  });

  it("service_role cannot forge the append-only logs, members or flags", async () => {
    const asServiceRole = (fn: (tx: Tx) => Promise<unknown>) =>
      db().begin(async (tx) => {
        await tx`set local role service_role`;
        return fn(tx);
      });
    const [ws] = await db()`select id from public.workspaces limit 1`;
    const [mig] = await db()`select id from public.migrations limit 1`;
    const [user] = await db()`select id from auth.users limit 1`;
    await expectDenied(asServiceRole((tx) => tx`
      insert into public.stage_transitions (workspace_id, migration_id, from_stage, to_stage, kind, status_after)
      values (${ws.id as string}, ${mig.id as string}, 0, 1, 'advance', 'active')`));
    await expectDenied(asServiceRole((tx) => tx`insert into public.audit_events (action, target_type) values ('forged', 'x')`));
    await expectDenied(asServiceRole((tx) => tx`insert into public.flag_changes (flag_key, action) values ('x', 'kill')`));
    await expectDenied(asServiceRole((tx) => tx`insert into public.members (user_id, role) values (${user.id as string}, 'admin')`));
    await expectDenied(asServiceRole((tx) => tx`update public.feature_flags set killed = true`));
    await expectDenied(asServiceRole((tx) => tx`delete from public.performance_metrics`));
    await expectDenied(asServiceRole((tx) => tx`select public.prune_raw_metrics('14 days')`));
  });
});
