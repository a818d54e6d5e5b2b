import "server-only";
import { z } from "zod";
import { apiError, apiFailure } from "@/lib/api/http";
import { getSession, type Session } from "@/lib/auth/session";
import { asUser, type Tx } from "@/lib/db";
import { resolveScope, type Scope } from "./chart-data";
import { RANGE_KEYS } from "./ranges";
import { KEY_RE, METRIC_RE, SLUG_RE } from "./schemas";

// Shared plumbing of the session-authenticated chart endpoints (app/api/telemetry/*):
// signed-in members only, query validated with zod, reads under RLS as the user.
export const ChartQuery = z.object({
  migration: z.string().regex(KEY_RE, "is not a migration key"),
  workspace: z.string().regex(SLUG_RE, "is not a workspace slug").optional(),
  range: z.enum(RANGE_KEYS).default("24h"),
});

export async function withScope<Q extends z.ZodType>(
  request: Request,
  schema: Q,
  fn: (tx: Tx, scope: Scope, query: z.infer<Q>, session: Session) => Promise<unknown>,
): Promise<Response> {
  const requestId = request.headers.get("x-request-id");
  try {
    const session = await getSession();
    if (!session) return apiError(401, "Sign in to see telemetry");
    if (!session.role) return apiError(403, "You are not a member of this console");
    const params = Object.fromEntries(new URL(request.url).searchParams);
    const parsed = schema.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return apiError(400, `Invalid query: ${issue.path.join(".") || "query"} ${issue.message}`, { field: issue.path.join(".") });
    }
    const q = parsed.data as z.infer<Q> & { migration: string; workspace?: string };
    const body = await asUser(session.claims, async (tx) => {
      const scope = await resolveScope(tx, q.migration, q.workspace ?? null);
      return scope ? fn(tx, scope, parsed.data, session) : null;
    });
    if (body === null) return apiError(404, q.workspace ? `No workspace '${q.workspace}' or migration '${q.migration}'` : `No migration '${q.migration}'`);
    return Response.json(body, { headers: { "Cache-Control": "no-store" } });
  } catch (e) {
    return apiFailure(e, requestId);
  }
}

export const CustomMetrics = z
  .string()
  .optional()
  .transform((s) => (s ? s.split(",").filter(Boolean) : []))
  .pipe(z.array(z.string().regex(METRIC_RE, "has an invalid metric name")).max(5, "at most 5 custom metrics"));
