// Local-mode session tokens: HS256 JWTs with Supabase-shaped claims. No database
// access here, so the proxy can verify cookies without touching Postgres.
import { jwtVerify, SignJWT } from "jose";
import type { Claims } from "@/lib/db/types";
import { authSecret, SESSION_TTL_SECONDS } from "./config";

/** A signed session token; `sessionId` names its row in app_private.sessions (lib/auth/sessions.ts). */
export async function signSession(user: { id: string; email: string }, sessionId: string = crypto.randomUUID()): Promise<string> {
  return new SignJWT({ email: user.email, role: "authenticated", session_id: sessionId })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(user.id)
    .setAudience("authenticated")
    .setIssuer("rollout-console")
    .setIssuedAt()
    .setExpirationTime(`${SESSION_TTL_SECONDS}s`)
    .sign(authSecret());
}

export async function verifySession(token: string | undefined): Promise<Claims | null> {
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, authSecret(), {
      algorithms: ["HS256"],
      audience: "authenticated",
      issuer: "rollout-console",
    });
    if (typeof payload.sub !== "string" || typeof payload.email !== "string" || payload.role !== "authenticated") return null;
    return {
      sub: payload.sub,
      email: payload.email,
      role: "authenticated",
      aud: "authenticated",
      exp: payload.exp,
      iat: payload.iat,
      session_id: typeof payload.session_id === "string" ? payload.session_id : undefined,
    };
  } catch {
    return null;
  }
}
