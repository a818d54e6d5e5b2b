import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endSession, startSession } from "../../lib/auth/sessions";
import { asAnon, asUser, closeDb, createUser, db, type TestUser } from "../helpers/db";

// Sessions end on the server: public.session_role (called once per request by
// lib/auth/session.ts) answers valid = false as soon as the session was signed out,
// ended everywhere, or the user's role changed or membership was removed.
afterAll(closeDb);
let admin: TestUser;
beforeAll(async () => {
  admin = await createUser("admin");
});

const now = () => Math.floor(Date.now() / 1000);
async function state(user: TestUser, sessionId: string | null, iat = now()) {
  const [r] = await asUser(user, (tx) => tx`select valid, role from public.session_role(${sessionId}::uuid, ${iat}::bigint)`);
  return r as { valid: boolean; role: string | null };
}
async function withSession(role: "viewer" | "operator" | "admin") {
  const user = await createUser(role);
  const sid = await startSession(user.id);
  user.claims = { ...user.claims, session_id: sid, iat: now() };
  return { user, sid };
}

describe("server-side sessions", () => {
  it("an open session is valid and carries the member role", async () => {
    const { user, sid } = await withSession("operator");
    expect(await state(user, sid)).toEqual({ valid: true, role: "operator" });
  });

  it("a token naming no session, someone else's session, or an expired one is void", async () => {
    const { user } = await withSession("viewer");
    const other = await withSession("viewer");
    expect((await state(user, "00000000-0000-0000-0000-000000000000")).valid).toBe(false);
    expect((await state(user, other.sid)).valid).toBe(false);
    const { user: u2, sid } = await withSession("viewer");
    await db()`update app_private.sessions set expires_at = now() - interval '1 second' where id = ${sid}`;
    expect((await state(u2, sid)).valid).toBe(false);
  });

  it("sign-out ends the session at once; other sessions of the user stay", async () => {
    const { user, sid } = await withSession("operator");
    const second = await startSession(user.id);
    await endSession(user.claims);
    expect((await state(user, sid)).valid).toBe(false);
    expect((await state(user, second)).valid).toBe(true);
  });

  it("a role change ends every session of the user", async () => {
    const { user, sid } = await withSession("operator");
    await asUser(admin, (tx) => tx`update public.members set role = 'viewer' where user_id = ${user.id}`);
    expect((await state(user, sid)).valid).toBe(false);
    // A fresh sign-in works, with the new role.
    const fresh = await startSession(user.id);
    expect(await state(user, fresh, now())).toEqual({ valid: true, role: "viewer" });
  });

  it("removal from members ends every session", async () => {
    const { user, sid } = await withSession("admin");
    await db()`delete from public.members where user_id = ${user.id}`;
    expect((await state(user, sid)).valid).toBe(false);
  });

  it("sign out everywhere: by the user, or by an admin; nobody else", async () => {
    const { user, sid } = await withSession("viewer");
    const other = await withSession("operator");
    await expect(asUser(other.user, (tx) => tx`select public.end_all_sessions(${user.id}::uuid)`)).rejects.toMatchObject({ code: "42501" });
    expect((await state(user, sid)).valid).toBe(true);
    await asUser(user, (tx) => tx`select public.end_all_sessions()`);
    expect((await state(user, sid)).valid).toBe(false);
    await asUser(admin, (tx) => tx`select public.end_all_sessions(${other.user.id}::uuid)`);
    expect((await state(other.user, other.sid)).valid).toBe(false);
    const [a] = await db()`select actor::text from public.audit_events where action = 'sessions.end_all' and target_id = ${other.user.id}`;
    expect(a.actor).toBe(admin.id);
  });

  it("the Supabase-mode floor voids tokens issued before sessions were ended", async () => {
    const user = await createUser("viewer");
    const issued = now() - 5;
    expect((await state(user, null, issued)).valid).toBe(true);
    await asUser(user, (tx) => tx`select public.end_all_sessions()`);
    expect((await state(user, null, issued)).valid).toBe(false);
  });

  it("anon may not ask, nor end sessions", async () => {
    await expect(asAnon((tx) => tx`select * from public.session_role(null, null)`)).rejects.toMatchObject({ code: "42501" });
    await expect(asAnon((tx) => tx`select public.end_all_sessions()`)).rejects.toMatchObject({ code: "42501" });
    await expect(asAnon((tx) => tx`select * from app_private.sessions`)).rejects.toMatchObject({ code: "42501" });
  });
});
