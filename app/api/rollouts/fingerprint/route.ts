import { z } from "zod";
import { apiError } from "@/lib/api/http";
import { withSessionRoute } from "@/lib/api/session-route";
import { asUser } from "@/lib/db";
import { migrationKey, workspaceSlug } from "@/lib/validation/identifiers";

export const dynamic = "force-dynamic";

const Query = z.object({
  workspace: workspaceSlug.optional(),
  migration: migrationKey.optional(),
});

// A cheap fingerprint of rollout state (sum of versions, newest transition, open
// alerts) that pages poll; when it changes they re-render from the server.
export async function GET(request: Request) {
  const url = new URL(request.url);
  const q = Query.safeParse({ workspace: url.searchParams.get("workspace") ?? undefined, migration: url.searchParams.get("migration") ?? undefined });
  if (!q.success) return apiError(400, "Query takes ?workspace=<slug> or ?migration=<key>");
  return withSessionRoute(async (session) => {
    const fp = await asUser(session.claims, async (tx) => {
      const [row] = await tx<{ v: string | null; t: string | null }[]>`
        select sum(r.version)::text || ':' || count(*)::text as v,
               (select max(t.id)::text from public.stage_transitions t
                 where (${q.data.workspace ?? null}::text is null or t.workspace_id = (select id from public.workspaces where slug = ${q.data.workspace ?? null}))
                   and (${q.data.migration ?? null}::text is null or t.migration_id = (select id from public.migrations where key = ${q.data.migration ?? null}))) as t
        from public.workspace_rollouts r
        where (${q.data.workspace ?? null}::text is null or r.workspace_id = (select id from public.workspaces where slug = ${q.data.workspace ?? null}))
          and (${q.data.migration ?? null}::text is null or r.migration_id = (select id from public.migrations where key = ${q.data.migration ?? null}))`;
      const [x] = await tx<{ a: string }[]>`select coalesce(max(updated_at)::text, '') || ':' || count(*)::text as a from public.performance_alerts`;
      return `${row?.v ?? ""}|${row?.t ?? ""}|${x.a}`;
    });
    return Response.json({ fingerprint: fp }, { headers: { "Cache-Control": "no-store" } });
  });
}
