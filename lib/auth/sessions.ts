import "server-only";
import { asService, asUser, type Claims } from "@/lib/db";
import { SESSION_TTL_SECONDS } from "./config";

/** Records a new local-mode session; its id goes into the cookie's token. */
export async function startSession(userId: string): Promise<string> {
  const id = crypto.randomUUID();
  await asService((tx) => tx`
    insert into app_private.sessions (id, user_id, expires_at)
    values (${id}, ${userId}, now() + make_interval(secs => ${SESSION_TTL_SECONDS}))`);
  return id;
}

/** Ends one session (sign-out). The token naming it is refused from now on. */
export async function endSession(claims: Claims): Promise<void> {
  const id = claims.session_id;
  if (!id) return;
  await asService((tx) => tx`
    update app_private.sessions set ended_at = now()
     where id = ${id}::uuid and user_id = ${claims.sub}::uuid and ended_at is null`).catch(() => {});
}

/** Ends every session of the caller (or, for an admin, of another user). */
export async function endAllSessions(claims: Claims, userId?: string): Promise<void> {
  await asUser(claims, (tx) => tx`select public.end_all_sessions(${userId ?? null}::uuid)`);
}
