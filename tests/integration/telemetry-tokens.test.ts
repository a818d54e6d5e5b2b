import { createHash, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asAnon, asUser, closeDb, createUser, createWorkspace, db, type TestUser } from "../helpers/db";

// Ingest tokens as managed from Settings: only admins create and revoke them
// (checked again in SQL), each change is audited, and the raw token never reaches
// the database.
let viewer: TestUser, operator: TestUser, admin: TestUser;

function newToken() {
  const raw = `rc_${randomBytes(32).toString("base64url")}`;
  return { raw, hash: createHash("sha256").update(raw).digest("hex"), prefix: raw.slice(0, 10) };
}
const create = (u: TestUser, t = newToken(), ws: string[] | null = null) =>
  asUser(u, (tx) => tx`select public.create_ingest_token('svc', ${t.hash}, ${t.prefix}, ${ws}::uuid[], array['metrics:write']) as id`);

beforeAll(async () => {
  [viewer, operator, admin] = await Promise.all([createUser("viewer"), createUser("operator"), createUser("admin")]);
});
afterAll(closeDb);

describe("create_ingest_token", () => {
  it("lets an admin create a scoped token, stores only its hash and audits it", async () => {
    const ws = await createWorkspace();
    const t = newToken();
    const [{ id }] = await create(admin, t, [ws.id]);
    const [row] = await db()`select token_hash, prefix, workspace_ids, created_by from public.ingest_tokens where id = ${id}`;
    expect(row).toMatchObject({ token_hash: t.hash, prefix: t.prefix, workspace_ids: [ws.id], created_by: admin.id });
    const stored = await db()`select 1 from public.ingest_tokens where token_hash = ${t.raw} or prefix = ${t.raw}`;
    expect(stored).toHaveLength(0);
    const [audit] = await db()`select actor, action, details from public.audit_events where target_id = ${id}`;
    expect(audit).toMatchObject({ actor: admin.id, action: "ingest_token.create" });
  });

  for (const who of ["viewer", "operator"] as const) {
    it(`refuses a ${who}`, async () => {
      await expect(create({ viewer, operator }[who])).rejects.toThrow(/Only admins can create ingest tokens/);
    });
  }

  it("refuses anonymous callers outright", async () => {
    const t = newToken();
    await expect(asAnon((tx) => tx`select public.create_ingest_token('x', ${t.hash}, ${t.prefix}, null, array['metrics:write'])`)).rejects.toThrow(/permission denied/);
  });

  it("refuses a workspace that does not exist", async () => {
    await expect(create(admin, newToken(), ["00000000-0000-0000-0000-00000000abcd"])).rejects.toThrow(/no longer exists/);
  });
});

describe("revoke_ingest_token", () => {
  it("revokes once, audits it, and refuses a second revoke", async () => {
    const [{ id }] = await create(admin);
    await asUser(admin, (tx) => tx`select public.revoke_ingest_token(${id})`);
    const [row] = await db()`select revoked_at from public.ingest_tokens where id = ${id}`;
    expect(row.revoked_at).toBeInstanceOf(Date);
    const [audit] = await db()`select action from public.audit_events where target_id = ${id} and action = 'ingest_token.revoke'`;
    expect(audit).toBeTruthy();
    await expect(asUser(admin, (tx) => tx`select public.revoke_ingest_token(${id})`)).rejects.toThrow(/already revoked/);
  });

  it("refuses viewers and operators, also through direct updates (zero rows)", async () => {
    const [{ id }] = await create(admin);
    for (const u of [viewer, operator]) {
      await expect(asUser(u, (tx) => tx`select public.revoke_ingest_token(${id})`)).rejects.toThrow(/Only admins can revoke/);
      const upd = await asUser(u, (tx) => tx`update public.ingest_tokens set revoked_at = now() where id = ${id}`);
      expect(upd.count).toBe(0);
      const seen = await asUser(u, (tx) => tx`select id from public.ingest_tokens where id = ${id}`);
      expect(seen).toHaveLength(0);
    }
    const [row] = await db()`select revoked_at from public.ingest_tokens where id = ${id}`;
    expect(row.revoked_at).toBeNull();
  });
});
