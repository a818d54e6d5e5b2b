import { apiError, apiFailure } from "@/lib/api/http";
import { bearerToken, parseIfNoneMatch, readWorkspaceState, UnitId } from "@/lib/flags/state";
import { SLUG_RE } from "@/lib/validation/identifiers";

// GET /api/v1/workspaces/{slug}/state[?unit=<id>] — a workspace's stage and
// status in every migration and its evaluated flags, for the user's services.
// Bearer ingest token with 'state:read'. Strong ETag (md5 of the body);
// If-None-Match answers 304 without a body. Always revalidated (no-cache).

export const dynamic = "force-dynamic";

const CACHE = { "Cache-Control": "no-cache", Vary: "Authorization" };

export async function GET(request: Request, { params }: { params: Promise<{ slug: string }> }) {
  const requestId = request.headers.get("x-request-id");
  const token = bearerToken(request);
  if (!token) {
    const missing = !request.headers.get("authorization");
    return apiError(401, missing ? "Missing bearer token: send 'Authorization: Bearer <ingest token>'" : "Invalid or revoked token", {}, {
      "WWW-Authenticate": missing ? 'Bearer realm="rollout-console"' : 'Bearer error="invalid_token"',
    });
  }
  const { slug } = await params;
  if (!SLUG_RE.test(slug)) return apiError(404, `No workspace with slug "${slug.slice(0, 70)}"`);
  const rawUnit = new URL(request.url).searchParams.get("unit");
  let unit: string | null = null;
  if (rawUnit !== null) {
    const parsed = UnitId.safeParse(rawUnit);
    if (!parsed.success) return apiError(400, `Invalid unit: ${parsed.error.issues[0].message}`, { field: "unit" });
    unit = parsed.data;
  }
  try {
    const r = await readWorkspaceState(token, slug, unit, parseIfNoneMatch(request.headers.get("if-none-match")));
    if (r.status === 304) return new Response(null, { status: 304, headers: { ...CACHE, ETag: r.etag! } });
    // A workspace outside the token's scope is answered exactly like one that does not
    // exist, so a scoped token cannot learn which slugs exist.
    if (r.status === 403 && /not valid for workspace/.test(r.message ?? "")) return apiError(404, `No workspace with slug "${slug}"`);
    if (r.status !== 200) {
      const auth: Record<string, string> = r.status === 401 ? { "WWW-Authenticate": 'Bearer error="invalid_token"' } : {};
      return apiError(r.status, r.message ?? "Refused", {}, auth);
    }
    return new Response(r.body, { status: 200, headers: { ...CACHE, ETag: r.etag!, "Content-Type": "application/json; charset=utf-8" } });
  } catch (e) {
    return apiFailure(e, requestId);
  }
}
