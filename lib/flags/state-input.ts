// Input rules of the state read, shared by the Next route and the edge server.
import { z } from "zod";

export const UnitId = z
  .string()
  .min(1, "must not be empty")
  .max(200, "must be at most 200 characters")
  .regex(/^[^\u0000-\u001f\u007f]+$/, "must not contain control characters");

export const WORKSPACE_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Entity tags of If-None-Match (weak comparison, as RFC 9110 asks for this header). */
export function parseIfNoneMatch(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .slice(0, 20)
    .map((t) => t.trim().replace(/^W\//, ""))
    .filter((t) => t === "*" || /^"[^"]{1,100}"$/.test(t));
}
