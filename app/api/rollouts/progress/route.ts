import { apiError } from "@/lib/api/http";
import { withSessionRoute } from "@/lib/api/session-route";
import { ProgressId, readProgress } from "@/lib/rollouts/progress";

export const dynamic = "force-dynamic";

// How far the caller's own running wave or hand-picked advance has got
// (lib/rollouts/progress.ts). 404 until the action has started, and for anyone else's id.
export async function GET(request: Request) {
  const id = ProgressId.safeParse(new URL(request.url).searchParams.get("id"));
  if (!id.success) return apiError(400, "Query needs ?id=<the progress id the action was given, a UUID>");
  return withSessionRoute(async (session) => {
    const progress = readProgress(id.data, session.userId);
    if (!progress) return apiError(404, "No progress known for this id (not started yet, finished long ago, or not yours)");
    return Response.json(progress, { headers: { "Cache-Control": "no-store" } });
  });
}
