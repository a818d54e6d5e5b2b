import Link from "next/link";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { StageLabel, StatusBadge } from "@/components/rollout/stage-badge";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { requireSession } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { listMigrationColumns, listOverview } from "@/lib/rollouts/overview";
import { GATE_CHECK_LABELS, getOverviewSummary, readinessFilterIds } from "@/lib/rollouts/summary";
import { OverviewSummary } from "@/components/rollout/overview-summary";
import { OverviewFilters } from "./overview-filters";

export const dynamic = "force-dynamic";
export const metadata = { title: "Overview" };

const Params = z.object({
  q: text().trim().max(100).optional().catch(undefined),
  // "<migration key>" or "<migration key>:<stage>"
  at: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}(:\d{1,2})?$/).optional().catch(undefined),
  status: z.enum(["active", "paused", "rolled_back"]).optional().catch(undefined),
  health: z.enum(["alerts", "critical", "healthy"]).optional().catch(undefined),
  canary: z.enum(["yes", "no"]).optional().catch(undefined),
  // the summary's links: gate readiness (needs a migration in `at`) and risk
  gate: z.string().regex(/^(ready|blocked|blocked-[a-z0-9_]{1,40})$/).optional().catch(undefined),
  risk: z.enum(["yes"]).optional().catch(undefined),
  sort: z.enum(["canary", "name", "alerts", "recent"]).catch("canary"),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const PAGE_SIZE = 50;

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSession();
  const params = Params.parse(await searchParams);
  const viewer = { claims: session.claims, member: session.role !== null };
  const { columns, rows, total, summary } = await asUser(session.claims, async (tx) => {
    const columns = await listMigrationColumns(tx);
    const [migration, stage] = params.at?.split(":") ?? [];
    const ids = params.gate && migration ? await readinessFilterIds(tx, viewer, migration, params.gate) : undefined;
    const summary = await getOverviewSummary(tx, viewer);
    const { rows, total } = await listOverview(tx, {
      q: params.q || undefined,
      migration,
      stage: stage === undefined ? undefined : Number(stage),
      status: params.status,
      health: params.health,
      canary: params.canary === undefined ? undefined : params.canary === "yes",
      ids,
      risk: params.risk === "yes",
      sort: params.sort,
      page: params.page,
      pageSize: PAGE_SIZE,
    });
    return { columns, rows, total, summary };
  });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (k !== "page" && v) kept[k] = String(v);
  const pageHref = (p: number) => `/?${new URLSearchParams({ ...kept, page: String(p) })}`;
  const filtered = Boolean(params.q || params.at || params.status || params.health || params.canary || params.gate || params.risk);
  const gateLabel = params.gate === "ready" ? "ready to advance" : params.gate === "blocked" ? "blocked by their gate"
    : params.gate ? `blocked by ${GATE_CHECK_LABELS[params.gate.slice(8)] ?? params.gate.slice(8)}` : null;

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-900">Overview</h1>
        <p className="mt-1 text-sm text-slate-500">Where every workspace stands in every migration: what moved, what is ready, what is blocked and what is at risk.</p>
      </div>
      <OverviewSummary migrations={summary.migrations} recent={summary.recent} readinessAt={summary.readinessAt} readinessPending={summary.readinessPending} />
      <Card>
        <CardHeader
          title={`Workspaces (${total})`}
          description="Canary workspaces first. Stage number and name, status, and when the workspace entered its stage."
        />
        <OverviewFilters
          columns={columns}
          values={{ q: params.q ?? "", at: params.at ?? "", status: params.status ?? "", health: params.health ?? "", canary: params.canary ?? "", sort: params.sort }}
          filtered={filtered}
        />
        {gateLabel || params.risk ? (
          <p className="border-b border-slate-100 bg-brand-50/60 px-5 py-2 text-sm text-slate-700" data-testid="summary-filter">
            Showing workspaces {gateLabel ?? "at risk (open alerts or rolled back in the last 24 h)"}{params.at ? ` in ${columns.find((c) => c.key === params.at?.split(":")[0])?.name ?? params.at}` : ""}.{" "}
            <Link href="/" className="text-brand-700 hover:underline">Show all</Link>
          </p>
        ) : null}
        {rows.length === 0 ? (
          <EmptyState title={filtered ? "No workspace matches these filters" : "No workspaces yet"}>
            {filtered ? <Link className="text-brand-600 hover:underline" href="/">Clear the filters</Link> : "Workspaces appear here once they are created."}
          </EmptyState>
        ) : (
          <Table>
            <thead>
              <tr>
                <Th>Workspace</Th>
                <Th>Alerts</Th>
                {columns.map((c) => (
                  <Th key={c.id}>
                    <Link href={`/migrations/${c.key}`} className="hover:text-slate-800">{c.name}</Link>
                  </Th>
                ))}
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 bg-white">
              {rows.map((w) => (
                <tr key={w.id} className="hover:bg-slate-50/60" data-testid="overview-row">
                  <Td>
                    <Link href={`/workspaces/${w.slug}`} className="font-medium text-slate-900 hover:text-brand-700">{w.name}</Link>
                    <div className="mt-0.5 flex items-center gap-1.5 text-xs text-slate-500">
                      <span className="font-mono">{w.slug}</span>
                      <span aria-hidden>·</span>
                      <span>{w.tier}</span>
                      {w.isCanary ? <Badge tone="violet">canary</Badge> : null}
                    </div>
                  </Td>
                  <Td>
                    {w.criticalAlerts > 0 ? (
                      <Link href={`/workspaces/${w.slug}`}><Badge tone="red">{w.openAlerts} open · {w.criticalAlerts} critical</Badge></Link>
                    ) : w.openAlerts > 0 ? (
                      <Link href={`/workspaces/${w.slug}`}><Badge tone="amber">{w.openAlerts} open</Badge></Link>
                    ) : (
                      <span className="text-xs text-slate-500">none</span>
                    )}
                  </Td>
                  {columns.map((c) => {
                    const r = w.rollouts.find((x) => x.migrationId === c.id);
                    return (
                      <Td key={c.id}>
                        {r ? (
                          <div className="flex items-center gap-3">
                            <StageLabel stage={r.stage} name={r.stageName} lastStage={c.stageCount - 1} />
                            <div className="flex flex-col items-start gap-1">
                              <StatusBadge status={r.status} />
                              <span className="text-xs text-slate-500"><RelativeTime date={r.enteredAt} /></span>
                            </div>
                          </div>
                        ) : (
                          <span className="text-xs text-slate-500">not enrolled</span>
                        )}
                      </Td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {pages > 1 ? (
          <nav aria-label="Pagination" className="flex items-center justify-between border-t border-slate-100 px-5 py-3 text-sm">
            <span className="text-slate-500">Page {params.page} of {pages}</span>
            <div className="flex gap-2">
              {params.page > 1 ? <Link className="rounded-md px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-50" href={pageHref(params.page - 1)}>Previous</Link> : null}
              {params.page < pages ? <Link className="rounded-md px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-50" href={pageHref(params.page + 1)}>Next</Link> : null}
            </div>
          </nav>
        ) : null}
      </Card>
    </div>
  );
}
