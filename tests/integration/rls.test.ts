import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asAnon, asUser, closeDb, createUser, createWorkspace, db, type TestUser } from "../helpers/db";

// The RLS matrix for the core tables. A refused UPDATE/DELETE under RLS affects
// zero rows rather than raising, so those cases assert on the row count.
let viewer: TestUser, operator: TestUser, admin: TestUser, stranger: TestUser;
let ws: Awaited<ReturnType<typeof createWorkspace>>;

beforeAll(async () => {
  [viewer, operator, admin, stranger] = await Promise.all([createUser("viewer"), createUser("operator"), createUser("admin"), createUser(null)]);
  ws = await createWorkspace({ migrationKey: "lead-centric", stage: 1 });
  await db()`insert into public.audit_events (action, target_type) values ('rls-test', 'test')`;
  await db()`insert into public.stage_transitions (workspace_id, migration_id, from_stage, to_stage, kind, status_after, reason)
             values (${ws.id}, ${ws.migrationId!}, 0, 1, 'advance', 'active', 'test')`;
});
afterAll(closeDb);

const READ_TABLES = ["workspaces", "migrations", "migration_stages", "workspace_rollouts", "stage_transitions", "members", "audit_events"];

describe("RLS: every public table has it", () => {
  it("has row level security enabled on every table in the public schema", async () => {
    const rows = await db()<{ relname: string; rls: boolean }[]>`
      select c.relname, c.relrowsecurity as rls from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p')`;
    expect(rows.length).toBeGreaterThanOrEqual(READ_TABLES.length);
    expect(rows.filter((r) => !r.rls).map((r) => r.relname)).toEqual([]);
  });

  it("has at most one policy per command per table, all for authenticated", async () => {
    const rows = await db()<{ tablename: string; cmd: string; n: number; roles: string[] }[]>`
      select tablename, cmd, count(*)::int as n, array_agg(distinct r) as roles
      from pg_policies, unnest(roles) r where schemaname = 'public' group by tablename, cmd`;
    expect(rows.filter((r) => r.n > 1)).toEqual([]);
    expect(rows.filter((r) => r.roles.some((x) => x !== "authenticated"))).toEqual([]);
  });
});

describe("RLS: anonymous", () => {
  for (const t of READ_TABLES) {
    it(`sees nothing in ${t}`, async () => {
      const result = asAnon((tx) => tx.unsafe(`select count(*)::int as n from public.${t}`));
      // anon has no grant at all: permission denied, which is stronger than zero rows.
      await expect(result).rejects.toThrow(/permission denied/);
    });
  }
});

describe("RLS: a signed-in user who is not a member", () => {
  for (const t of READ_TABLES) {
    it(`sees no rows in ${t}`, async () => {
      const [{ n }] = await asUser(stranger, (tx) => tx.unsafe(`select count(*)::int as n from public.${t}`));
      expect(n).toBe(0);
    });
  }
});

describe("RLS: viewer", () => {
  it("reads every core table", async () => {
    for (const t of READ_TABLES) {
      const [{ n }] = await asUser(viewer, (tx) => tx.unsafe(`select count(*)::int as n from public.${t}`));
      expect(n, t).toBeGreaterThan(0);
    }
  });

  it("cannot insert a workspace", async () => {
    await expect(asUser(viewer, (tx) => tx`insert into public.workspaces (slug, name) values ('viewer-made', 'x')`)).rejects.toThrow(/row-level security/);
  });

  it("updates and deletes zero workspaces", async () => {
    const upd = await asUser(viewer, (tx) => tx`update public.workspaces set name = 'hacked' where id = ${ws.id}`);
    expect(upd.count).toBe(0);
    const del = await asUser(viewer, (tx) => tx`delete from public.workspaces where id = ${ws.id}`);
    expect(del.count).toBe(0);
    const [row] = await db()`select name from public.workspaces where id = ${ws.id}`;
    expect(row.name).not.toBe("hacked");
  });

  it("cannot change members (no self-promotion)", async () => {
    const upd = await asUser(viewer, (tx) => tx`update public.members set role = 'admin' where user_id = ${viewer.id}`);
    expect(upd.count).toBe(0);
    const [row] = await db()`select role from public.members where user_id = ${viewer.id}`;
    expect(row.role).toBe("viewer");
  });
});

describe("RLS: operator", () => {
  it("cannot promote itself or edit stage definitions directly", async () => {
    expect((await asUser(operator, (tx) => tx`update public.members set role = 'admin' where user_id = ${operator.id}`)).count).toBe(0);
    expect((await asUser(operator, (tx) => tx`update public.migration_stages set max_error_rate = 1`)).count).toBe(0);
  });
});

describe("RLS: admin", () => {
  it("manages workspaces and members", async () => {
    const [created] = await asUser(admin, (tx) => tx`insert into public.workspaces (slug, name) values (${"adm-" + ws.slug}, 'Admin made') returning id`);
    expect(created.id).toBeTruthy();
    expect((await asUser(admin, (tx) => tx`update public.members set display_name = 'V' where user_id = ${viewer.id}`)).count).toBe(1);
  });
});

describe("rollouts are written only through functions", () => {
  for (const who of ["viewer", "operator", "admin"] as const) {
    it(`${who} cannot insert, update or delete workspace_rollouts directly`, async () => {
      const u = { viewer, operator, admin }[who];
      await expect(asUser(u, (tx) => tx`update public.workspace_rollouts set stage = 4 where workspace_id = ${ws.id}`)).rejects.toThrow(/permission denied/);
      await expect(asUser(u, (tx) => tx`delete from public.workspace_rollouts where workspace_id = ${ws.id}`)).rejects.toThrow(/permission denied/);
      await expect(
        asUser(u, (tx) => tx`insert into public.workspace_rollouts (workspace_id, migration_id, stage) values (${ws.id}, ${ws.migrationId!}, 2)`),
      ).rejects.toThrow(/permission denied/);
    });
  }

  it("service_role cannot write workspace_rollouts directly either", async () => {
    const attempt = db().begin(async (tx) => {
      await tx`set local role service_role`;
      await tx`update public.workspace_rollouts set stage = 4 where workspace_id = ${ws.id}`;
    });
    await expect(attempt).rejects.toThrow(/permission denied/);
  });
});

describe("stage_transitions is append-only for every role", () => {
  for (const who of ["viewer", "operator", "admin"] as const) {
    it(`${who} cannot update or delete transitions`, async () => {
      const u = { viewer, operator, admin }[who];
      await expect(asUser(u, (tx) => tx`update public.stage_transitions set reason = 'x' where workspace_id = ${ws.id}`)).rejects.toThrow(/permission denied/);
      await expect(asUser(u, (tx) => tx`delete from public.stage_transitions where workspace_id = ${ws.id}`)).rejects.toThrow(/permission denied/);
    });
  }

  it("even the table owner cannot update, delete or truncate (trigger)", async () => {
    await expect(db()`update public.stage_transitions set reason = 'x' where workspace_id = ${ws.id}`).rejects.toThrow(/append-only/);
    await expect(db()`delete from public.stage_transitions where workspace_id = ${ws.id}`).rejects.toThrow(/append-only/);
    await expect(db()`truncate public.stage_transitions`).rejects.toThrow(/append-only/);
    const [{ n }] = await db()`select count(*)::int as n from public.stage_transitions where workspace_id = ${ws.id}`;
    expect(n).toBe(1);
  });

  it("audit_events is append-only too", async () => {
    await db()`insert into public.audit_events (action, target_type) values ('test', 'test')`;
    await expect(db()`delete from public.audit_events where action = 'test'`).rejects.toThrow(/append-only/);
  });
});
