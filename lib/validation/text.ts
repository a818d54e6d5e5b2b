// Shared zod helpers for text that reaches Postgres. Postgres cannot store the NUL
// character in text or jsonb ("invalid byte sequence" / "unsupported Unicode escape
// sequence"), so without this a NUL anywhere in an input ends in a 500: every free
// text field is built with text(), and JSON objects with jsonObject(), so the
// refusal names the field (a 400/422, or the action's field error).
import { z } from "zod";

export const NUL_MESSAGE = "must not contain the NUL character (\\u0000)";

/** z.string() that refuses NUL. Same parameters as z.string(). */
export function text(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).refine((s) => !s.includes("\u0000"), { message: NUL_MESSAGE, abort: true });
}

/** True when a NUL sits in any string or key of a JSON value (depth-bounded). */
export function containsNul(value: unknown, depth = 0): boolean {
  if (depth > 200) return false; // deeper values are refused for their depth elsewhere
  if (typeof value === "string") return value.includes("\u0000");
  if (Array.isArray(value)) return value.some((v) => containsNul(v, depth + 1));
  if (value && typeof value === "object") return Object.entries(value).some(([k, v]) => k.includes("\u0000") || containsNul(v, depth + 1));
  return false;
}

/** A JSON object (z.record of unknown values) with no NUL in its keys or strings. */
export function jsonObject(params?: Parameters<typeof z.record>[2]) {
  return z.record(z.string(), z.unknown(), params).refine((o) => !containsNul(o), { message: NUL_MESSAGE });
}
