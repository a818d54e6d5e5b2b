// Integration-test helpers: a connection to the test database and ways to act
// as each Supabase role exactly as the app does (set role + request.jwt.claims).
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import type { Claims, MemberRole } from "../../lib/db/types";

export type Sql = postgres.Sql<Record<string, unknown>>;
export type Tx = postgres.TransactionSql<Record<string, unknown>>;

let shared: Sql | undefined;

/** The service connection (superuser/owner): for arranging data, never for asserting access. */
export function db(): Sql {
  if (!shared) {
    const url = process.env.TEST_DATABASE_URL;
    if (!url) throw new Error("TEST_DATABASE_URL is not set");
    shared = postgres(url, { max: 5, onnotice: () => {} });
    process.env.DATABASE_URL ??= url;
  }
  return shared;
}

export async function closeDb() {
  await shared?.end();
  shared = undefined;
}

export interface TestUser {
  id: string;
  email: string;
  role: MemberRole | null;
  claims: Claims;
}

/** Creates an auth user; with a role, also a member. */
export async function createUser(role: MemberRole | null): Promise<TestUser> {
  const email = `${role ?? "stranger"}-${randomUUID().slice(0, 8)}@test.example`;
  const [u] = await db()<{ id: string }[]>`insert into auth.users (email, encrypted_password) values (${email}, 'x') returning id`;
  if (role) await db()`insert into public.members (user_id, role) values (${u.id}, ${role})`;
  return { id: u.id, email, role, claims: { sub: u.id, email, role: "authenticated", aud: "authenticated" } };
}

/** Runs fn as `authenticated` with the user's claims (RLS applies), in a transaction. */
export function asUser<T>(user: TestUser, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db().begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify(user.claims)}, true)`;
    return fn(tx);
  }) as Promise<T>;
}

/** Runs fn as `anon` (no user). */
export function asAnon<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return db().begin(async (tx) => {
    await tx`select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true)`;
    return fn(tx);
  }) as Promise<T>;
}

/** Creates a workspace enrolled at stage `stage` of the demo plan `migrationKey`. */
export async function createWorkspace(opts: { migrationKey?: string; stage?: number; canary?: boolean } = {}) {
  const slug = `t-${randomUUID().slice(0, 12)}`;
  const [w] = await db()<{ id: string }[]>`
    insert into public.workspaces (slug, name, tier, is_canary) values (${slug}, ${"Test " + slug}, 'standard', ${opts.canary ?? false}) returning id`;
  let migrationId: string | undefined;
  if (opts.migrationKey) {
    const [m] = await db()<{ id: string }[]>`select id from public.migrations where key = ${opts.migrationKey}`;
    migrationId = m.id;
    await db()`insert into public.workspace_rollouts (workspace_id, migration_id, stage) values (${w.id}, ${m.id}, ${opts.stage ?? 0})`;
  }
  return { id: w.id, slug, migrationId };
}
