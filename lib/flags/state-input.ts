// Input rules of the state read, shared by the Next route and the edge server.
import { SLUG_RE } from "../validation/identifiers";

export { UnitId } from "../validation/identifiers";

export const WORKSPACE_SLUG = SLUG_RE;

/** Entity tags of If-None-Match (weak comparison, as RFC 9110 asks for this header). */
export function parseIfNoneMatch(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .slice(0, 20)
    .map((t) => t.trim().replace(/^W\//, ""))
    .filter((t) => t === "*" || /^"[^"]{1,100}"$/.test(t));
}
