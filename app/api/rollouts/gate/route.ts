import { z } from "zod";
import { apiError } from "@/lib/api/http";
import { withSessionRoute } from "@/lib/api/session-route";
import { asUser } from "@/lib/db";
import { mapError } from "@/lib/actions/client";
import { resolveRollout } from "@/lib/rollouts/transitions";
import { migrationKey, workspaceSlug } from "@/lib/validation/identifiers";

export const dynamic = "force-dynamic";

const Query = z.object({
  workspace: workspaceSlug,
  migration: migrationKey,
});

// The next stage's gate, evaluated now, for the live checklist on the workspace page.
export async function GET(request: Request) {
  const url = new URL(request.url);
  const q = Query.safeParse({ workspace: url.searchParams.get("workspace"), migration: url.searchParams.get("migration") });
  if (!q.success) return apiError(400, "Query needs ?workspace=<slug>&migration=<key>");
  return withSessionRoute(async (session) => {
    try {
      const body = await asUser(session.claims, async (tx) => {
        const ids = await resolveRollout(tx, q.data.workspace, q.data.migration);
        const [{ last }] = await tx<{ last: number }[]>`select max(position)::int as last from public.migration_stages where migration_id = ${ids.migrationId}`;
        const [{ stage }] = await tx<{ stage: number }[]>`select stage from public.workspace_rollouts where workspace_id = ${ids.workspaceId} and migration_id = ${ids.migrationId}`;
        if (stage >= last) return { report: null, rate: null };
        const [{ r }] = await tx`select public.evaluate_gate(${ids.workspaceId}, ${ids.migrationId}) as r`;
        // Latency samples per minute per variant over the last hour, for the forecast.
        const [rate] = await tx<{ old: number; new: number }[]>`
          select coalesce(sum(n) filter (where variant = 'old'), 0)::float8 / 60 as old,
                 coalesce(sum(n) filter (where variant = 'new'), 0)::float8 / 60 as new
          from public.metric_rollups
          where workspace_id = ${ids.workspaceId} and migration_id = ${ids.migrationId} and metric = 'latency_ms'
            and bucket >= now() - interval '60 minutes'`;
        return { report: r, rate };
      });
      return Response.json(body, { headers: { "Cache-Control": "no-store" } });
    } catch (e) {
      const msg = mapError(e);
      if (msg) return apiError(404, msg);
      throw e;
    }
  });
}
