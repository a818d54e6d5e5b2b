// Two auth modes, one session shape. Supabase mode when NEXT_PUBLIC_SUPABASE_URL
// is set; otherwise local mode (bcrypt against auth.users, signed JWT cookie).
export type AuthMode = "local" | "supabase";

export function authMode(): AuthMode {
  return process.env.NEXT_PUBLIC_SUPABASE_URL ? "supabase" : "local";
}

export const SESSION_COOKIE = "rc_session";
export const SESSION_TTL_SECONDS = 60 * 60 * 8;

export function authSecret(): Uint8Array {
  const secret = process.env.AUTH_SECRET;
  if (!secret || secret.length < 32) {
    throw new Error("AUTH_SECRET must be set to at least 32 characters (npm run dev generates one)");
  }
  return new TextEncoder().encode(secret);
}
