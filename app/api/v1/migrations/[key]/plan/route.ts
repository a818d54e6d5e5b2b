import { apiError, apiFailure } from "@/lib/api/http";
import { bearerToken } from "@/lib/flags/state";
import { readPlanForService } from "@/lib/plans/queries";
import { migrationKey } from "@/lib/validation/identifiers";

// GET /api/v1/migrations/{key}/plan — the migration's rollout plan: state, steps
// (done / current / next) and what the current step waits for. Bearer ingest
// token with 'state:read', not limited to some workspaces. Not cached.

export const dynamic = "force-dynamic";

const HEADERS = { "Cache-Control": "no-store", Vary: "Authorization" };

export async function GET(request: Request, { params }: { params: Promise<{ key: string }> }) {
  const requestId = request.headers.get("x-request-id");
  const token = bearerToken(request);
  if (!token) {
    const missing = !request.headers.get("authorization");
    return apiError(401, missing ? "Missing bearer token: send 'Authorization: Bearer <ingest token>'" : "Invalid or revoked token", {}, {
      "WWW-Authenticate": missing ? 'Bearer realm="rollout-console"' : 'Bearer error="invalid_token"',
    });
  }
  const { key } = await params;
  if (!migrationKey.safeParse(key).success) return apiError(404, `No migration with key "${key.slice(0, 70)}"`);
  try {
    const r = await readPlanForService(token, key);
    if (r.status !== 200) {
      const auth: Record<string, string> = r.status === 401 ? { "WWW-Authenticate": 'Bearer error="invalid_token"' } : {};
      return apiError(r.status, r.message ?? "Refused", {}, auth);
    }
    return Response.json(r.body, { headers: HEADERS });
  } catch (e) {
    return apiFailure(e, requestId);
  }
}
