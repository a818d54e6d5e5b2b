// Integration-test helpers: a connection to the test database and ways to act
// as each Supabase role exactly as the app does (set role + request.jwt.claims).
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import type { Claims, MemberRole } from "../../lib/db/types";
import { upsertAuthUser } from "../../lib/seed/users";

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
  const id = await upsertAuthUser(db(), { email, encryptedPassword: "x" });
  if (role) await db()`insert into public.members (user_id, role) values (${id}, ${role})`;
  return { id, email, role, claims: { sub: id, email, role: "authenticated", aud: "authenticated" } };
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

export interface StageSpec {
  minSoakMinutes?: number;
  minSamples?: number;
  maxErrorRate?: number | null;
  maxP95Ratio?: number | null;
  maxOpenCriticalAlerts?: number | null;
  maxNegativeFeedback?: number | null;
}

/** Creates a migration plan of its own (so waves and stops see only this test's workspaces). */
export async function createMigration(stages: StageSpec[]): Promise<{ id: string; key: string }> {
  const key = `m-${randomUUID().slice(0, 12)}`;
  const [m] = await db()<{ id: string }[]>`insert into public.migrations (key, name) values (${key}, ${"Test " + key}) returning id`;
  for (const [i, s] of stages.entries()) {
    await db()`insert into public.migration_stages (migration_id, position, key, name, min_soak_minutes, min_samples, max_error_rate, max_p95_ratio, max_open_critical_alerts, max_negative_feedback)
      values (${m.id}, ${i}, ${"s" + i}, ${"Stage " + i}, ${s.minSoakMinutes ?? 0}, ${s.minSamples ?? 0}, ${s.maxErrorRate ?? null}, ${s.maxP95Ratio ?? null}, ${s.maxOpenCriticalAlerts ?? null}, ${s.maxNegativeFeedback ?? null})`;
  }
  return { id: m.id, key };
}

/** Enrolls an existing workspace in a migration at a stage, entered `minutesAgo` minutes ago. */
export async function enroll(workspaceId: string, migrationId: string, stage = 0, minutesAgo = 0) {
  await db()`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at)
             values (${workspaceId}, ${migrationId}, ${stage}, now() - make_interval(mins => ${minutesAgo}))`;
}

export interface Sample {
  variant: "old" | "new";
  metric: string;
  value: number;
  /** seconds ago (default: now) */
  ago?: number;
}

/** Stores telemetry samples through the same SQL path the ingest API uses (raw + rollups). */
export async function storeSamples(workspaceId: string, migrationId: string, samples: Sample[]) {
  const metrics = [...new Set(samples.map((s) => s.metric))];
  const now = Date.now() / 1000;
  await db()`select app_private.store_metrics(
    ${[workspaceId]}::uuid[], ${[migrationId]}::uuid[], ${metrics}::text[],
    ${samples.map(() => 1)}::int[], ${samples.map(() => 1)}::int[], ${samples.map((s) => metrics.indexOf(s.metric) + 1)}::int[],
    ${samples.map((s) => (s.variant === "new" ? "t" : "f"))}::text[]::boolean[], ${samples.map((s) => s.value)}::float8[],
    ${samples.map((s) => now - (s.ago ?? 0))}::float8[])`;
}

/** Typical healthy traffic: n requests per variant, latency around base ms (new × factor), error rate per variant. */
export function traffic(n: number, opts: { baseMs?: number; newFactor?: number; oldErrors?: number; newErrors?: number } = {}): Sample[] {
  const out: Sample[] = [];
  const base = opts.baseMs ?? 100;
  for (let i = 0; i < n; i++) {
    const jitter = ((i * 7919) % 100) / 100; // deterministic spread 0..1
    for (const variant of ["old", "new"] as const) {
      const factor = variant === "new" ? (opts.newFactor ?? 1) : 1;
      out.push({ variant, metric: "latency_ms", value: base * factor * (0.6 + jitter * 0.8), ago: 60 });
      const errRate = variant === "new" ? (opts.newErrors ?? 0) : (opts.oldErrors ?? 0);
      out.push({ variant, metric: "error", value: i < n * errRate ? 1 : 0, ago: 60 });
    }
  }
  return out;
}
