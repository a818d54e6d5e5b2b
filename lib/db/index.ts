import "server-only";
import postgres from "postgres";
import type { Claims } from "./types";

export type { Claims } from "./types";

// One pool per server process (postgres.js pools lazily). It is a database
// pool, not a Supabase client; kept on globalThis so dev hot reloads reuse it.
type Sql = postgres.Sql<Record<string, never>>;
export type Notice = postgres.Notice;
const g = globalThis as unknown as { __rolloutSql?: Sql; __rolloutNoticeListeners?: Set<(n: Notice) => void> };

/**
 * Hears every NOTICE the pool's connections receive (they arrive while a statement
 * still runs). Listeners tell theirs apart by what the notice carries, since a
 * notice does not say which connection or query it came from.
 */
export function onNotice(listener: (n: Notice) => void): void {
  (g.__rolloutNoticeListeners ??= new Set()).add(listener);
}

export function databaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set (npm run dev sets it for the embedded database)");
  return url;
}

export function sql(): Sql {
  if (!g.__rolloutSql) {
    g.__rolloutSql = postgres(databaseUrl(), {
      max: Number(process.env.DB_POOL_MAX ?? 10),
      idle_timeout: 30,
      connect_timeout: 5,
      // Supabase's pooler in transaction mode cannot keep prepared statements.
      prepare: process.env.DATABASE_PREPARE !== "false",
      onnotice: (n) => g.__rolloutNoticeListeners?.forEach((fn) => fn(n)),
      connection: { application_name: "rollout-console" },
    });
  }
  return g.__rolloutSql;
}

export type Tx = postgres.TransactionSql<Record<string, never>>;

/**
 * Runs `fn` in a transaction as Supabase's `authenticated` role with the caller's
 * claims, exactly as PostgREST does, so RLS policies decide what it may see and do.
 */
export function asUser<T>(claims: Claims, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return sql().begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true),
                    set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
    return fn(tx);
  }) as Promise<T>;
}

/** Runs `fn` as the anonymous role (used by token-authenticated API endpoints). */
export function asAnon<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return sql().begin(async (tx) => {
    await tx`select set_config('role', 'anon', true),
                    set_config('request.jwt.claims', '{"role":"anon"}', true)`;
    return fn(tx);
  }) as Promise<T>;
}

/** The connecting (service) role: the worker, sign-in lookups, health. Bypasses RLS. */
export function asService<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return sql().begin(fn) as Promise<T>;
}

/** True when an error means the database cannot be reached (so callers answer 503). */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: string; errno?: string; message?: string };
  const code = e?.code ?? e?.errno ?? "";
  return (
    ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "CONNECT_TIMEOUT", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "57P01", "57P02", "57P03", "53300"].includes(code)
  );
}
