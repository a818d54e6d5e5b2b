/** Supabase-shaped JWT claims, as `request.jwt.claims` carries them. */
export interface Claims {
  sub: string;
  email: string;
  role: "authenticated";
  aud: "authenticated";
  exp?: number;
  iat?: number;
  session_id?: string;
}

export type MemberRole = "viewer" | "operator" | "admin";
