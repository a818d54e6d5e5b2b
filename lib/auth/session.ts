import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { asUser, type Claims } from "@/lib/db";
import type { MemberRole } from "@/lib/db/types";
import { authMode, SESSION_COOKIE } from "./config";
import { verifySession } from "./jwt";
import { supabaseServerClient } from "./supabase";

export interface Session {
  claims: Claims;
  userId: string;
  email: string;
  /** null: signed in but not a member (sees nothing, RLS agrees). */
  role: MemberRole | null;
}

async function readClaims(): Promise<Claims | null> {
  if (authMode() === "supabase") {
    const supabase = await supabaseServerClient();
    // getClaims verifies the JWT (signature, expiry) rather than trusting the cookie.
    const { data, error } = await supabase.auth.getClaims();
    if (error || !data?.claims?.sub) return null;
    const c = data.claims;
    return { sub: c.sub, email: String(c.email ?? ""), role: "authenticated", aud: "authenticated", exp: c.exp, iat: c.iat, session_id: c.session_id as string | undefined };
  }
  const store = await cookies();
  return verifySession(store.get(SESSION_COOKIE)?.value);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The signed-in user for this request, or null. Cached per request. A valid
 * signature is not enough: the session must still be open on the server (not
 * signed out, not ended by "sign out everywhere", a role change or removal from
 * members). One query answers both that and the member role.
 */
export const getSession = cache(async (): Promise<Session | null> => {
  const claims = await readClaims();
  if (!claims) return null;
  // Local mode: the token's session row decides (a token without one is void).
  // Supabase mode: Supabase ends its own sessions; the per-user floor covers the rest.
  const sessionId = authMode() === "local" ? (claims.session_id && UUID.test(claims.session_id) ? claims.session_id : "00000000-0000-0000-0000-000000000000") : null;
  const state = await asUser(claims, async (tx) => {
    const [row] = await tx<{ valid: boolean; role: MemberRole | null }[]>`select valid, role from public.session_role(${sessionId}::uuid, ${claims.iat ?? null}::bigint)`;
    return row;
  });
  if (!state?.valid) return null;
  return { claims, userId: claims.sub, email: claims.email, role: state.role ?? null };
});

/** For pages: the session, or a redirect to sign-in. */
export async function requireSession(): Promise<Session> {
  const session = await getSession();
  if (!session) redirect("/login");
  return session;
}

const RANK: Record<MemberRole, number> = { viewer: 1, operator: 2, admin: 3 };
export function roleAtLeast(role: MemberRole | null, required: MemberRole): boolean {
  return role !== null && RANK[role] >= RANK[required];
}
