import "server-only";
import { sql } from "@/lib/db";
import { hashToken, TOKEN_PREFIX } from "@/lib/api/token-auth";

// The state read behind GET /api/v1/workspaces/{slug}/state: ONE SQL call
// (public.workspace_state) authenticates the token, evaluates and returns the
// ETag, plus the body unless an If-None-Match tag matched. Nothing about the
// token is cached here, so a revocation refuses the very next request.

export { UnitId } from "@/lib/validation/identifiers";

/** The raw token from `Authorization: Bearer rc_…`, or null when absent or malformed. */
export function bearerToken(request: Request): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "");
  if (!m || !m[1].startsWith(TOKEN_PREFIX) || m[1].length > 200) return null;
  return m[1];
}

/** Entity tags of If-None-Match (weak comparison, as RFC 9110 asks for this header). */
export function parseIfNoneMatch(header: string | null): string[] {
  if (!header) return [];
  return header
    .split(",")
    .slice(0, 20)
    .map((t) => t.trim().replace(/^W\//, ""))
    .filter((t) => t === "*" || /^"[^"]{1,100}"$/.test(t));
}

export interface StateResult {
  status: 200 | 304 | 401 | 403 | 404;
  etag: string | null;
  body: string | null;
  message: string | null;
}

export async function readWorkspaceState(token: string, slug: string, unit: string | null, etags: string[]): Promise<StateResult> {
  const [row] = await sql()<StateResult[]>`
    select status, etag, body, message from public.workspace_state(${hashToken(token)}, ${slug}, ${unit}, ${sql().array(etags)}::text[])`;
  return row;
}
