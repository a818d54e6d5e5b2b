import { withSessionRoute } from "@/lib/api/session-route";
import { AuditParams, auditRange } from "@/lib/audit/filters";
import { auditCsv, presentAudit } from "@/lib/audit/present";
import { listAudit } from "@/lib/audit/queries";
import { asUser } from "@/lib/db";

export const dynamic = "force-dynamic";

const MAX_ROWS = 10_000;

// The audit log as CSV, with the page's filters (at most 10 000 rows, newest first).
export async function GET(request: Request) {
  const p = AuditParams.parse(Object.fromEntries(new URL(request.url).searchParams));
  return withSessionRoute(async (session) => {
    const { rows } = await asUser(session.claims, (tx) =>
      listAudit(tx, { ...p, q: p.q || undefined, actor: p.actor || undefined, ...auditRange(p), limit: MAX_ROWS, offset: 0 }));
    const name = `audit-${new Date().toISOString().slice(0, 10)}.csv`;
    return new Response(auditCsv(rows.map(presentAudit)), {
      headers: { "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": `attachment; filename="${name}"`, "Cache-Control": "no-store" },
    });
  });
}
