// How ingest tokens are stored and matched: SHA-256 of the raw token, hex.
// No imports beyond node:crypto, so the edge server shares it with the Next API.
import { createHash } from "node:crypto";

export const TOKEN_PREFIX = "rc_";

export function hashToken(raw: string): string {
  return createHash("sha256").update(raw, "utf8").digest("hex");
}

/** The raw token from an `Authorization: Bearer rc_…` header value, or null when absent or malformed. */
export function bearerFromHeader(header: string | null | undefined): string | null {
  const m = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!m || !m[1].startsWith(TOKEN_PREFIX) || m[1].length > 200) return null;
  return m[1];
}
