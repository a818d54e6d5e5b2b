import "server-only";
import { isUnavailable } from "@/lib/db";
import { log } from "@/lib/log";

/** JSON error body shared by every /api/v1 endpoint: { error: { status, message, ...details } }. */
export function apiError(status: number, message: string, details: Record<string, unknown> = {}, headers: HeadersInit = {}): Response {
  return Response.json({ error: { status, message, ...details } }, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/** Maps an unexpected failure to 503 (database down, with Retry-After) or 500 (logged, opaque). */
export function apiFailure(e: unknown, requestId: string | null): Response {
  if (isUnavailable(e)) return apiError(503, "The database is unreachable; retry shortly.", {}, { "Retry-After": "5" });
  log.error({ err: e, requestId }, "api request failed");
  return apiError(500, "Internal error", { requestId });
}
