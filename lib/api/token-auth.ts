import "server-only";
import { asAnon } from "@/lib/db";
import { apiError } from "./http";
import { hashToken, TOKEN_PREFIX } from "./token-hash";

export { hashToken, TOKEN_PREFIX };

export type TokenScope = "metrics:write" | "feedback:write" | "state:read";

export interface TokenGrant {
  id: string;
  name: string;
  /** null: every workspace */
  workspaceIds: string[] | null;
  scopes: TokenScope[];
}

/**
 * Authenticates `Authorization: Bearer <token>`. Returns the grant, or the
 * 401/403 Response to send. The token is hashed before lookup, so comparison
 * happens on digests through a unique index, never on the secret itself.
 */
export async function authenticateToken(request: Request, scope: TokenScope): Promise<TokenGrant | Response> {
  const header = request.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  if (!m) {
    return apiError(401, "Missing bearer token: send 'Authorization: Bearer <ingest token>'", {}, { "WWW-Authenticate": 'Bearer realm="rollout-console"' });
  }
  const raw = m[1];
  if (!raw.startsWith(TOKEN_PREFIX) || raw.length > 200) {
    return apiError(401, "Invalid or revoked token", {}, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
  }
  const rows = await asAnon((tx) => tx<TokenGrant[]>`
    select id, name, workspace_ids as "workspaceIds", scopes from public.ingest_token_lookup(${hashToken(raw)})`);
  const grant = rows[0];
  if (!grant) return apiError(401, "Invalid or revoked token", {}, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
  if (!grant.scopes.includes(scope)) return apiError(403, `This token lacks the '${scope}' scope`);
  return grant;
}

/** True when the grant covers the workspace. */
export function tokenCovers(grant: TokenGrant, workspaceId: string): boolean {
  return grant.workspaceIds === null || grant.workspaceIds.includes(workspaceId);
}
