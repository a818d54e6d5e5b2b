import "server-only";
// The state read behind GET /api/v1/workspaces/{slug}/state: ONE SQL call
// (public.workspace_state) authenticates the token, evaluates and returns the
// ETag, plus the body unless an If-None-Match tag matched. Nothing about the
// token is cached here, so a revocation refuses the very next request.
// The edge server answers the same URL from memory (lib/edge/), with the same body and ETag.
import { sql } from "@/lib/db";
import { bearerFromHeader, hashToken } from "@/lib/api/token-hash";

export { parseIfNoneMatch, UnitId } from "./state-input";

/** The raw token from `Authorization: Bearer rc_…`, or null when absent or malformed. */
export function bearerToken(request: Request): string | null {
  return bearerFromHeader(request.headers.get("authorization"));
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
