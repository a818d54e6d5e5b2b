import Link from "next/link";
import { z } from "zod";
import { StageLabel, StatusBadge } from "@/components/rollout/stage-badge";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { requireSession } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { listMigrationColumns, listOverview } from "@/lib/rollouts/overview";

export const dynamic = "force-dynamic";

const Params = z.object({
  q: z.string().trim().max(100).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const PAGE_SIZE = 50;

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSession();
  const params = Params.parse(await searchParams);
  const { columns, rows, total } = await asUser(session.claims, async (tx) => {
    const columns = await listMigrationColumns(tx);
    const { rows, total } = await listOverview(tx, { q: params.q, page: params.page, pageSize: PAGE_SIZE });
    return { columns, rows, total };
  });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const pageHref = (p: number) => `/?${new URLSearchParams({ ...(params.q ? { q: params.q } : {}), page: String(p) })}`;

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-900">Overview</h1>
        <p className="mt-1 text-sm text-slate-500">Where every workspace stands in every migration.</p>
      </div>
      <Card>
        <CardHeader
          title={`Workspaces (${total})`}
          description="Canary workspaces first. Stage number and name, status, and when the workspace entered its stage."
          actions={
            <form role="search" className="flex gap-2" action="/">
              <Input name="q" type="search" placeholder="Search workspaces…" defaultValue={params.q} aria-label="Search workspaces" className="w-64" />
            </form>
          }
        />
        {rows.length === 0 ? (
          <EmptyState title={params.q ? `No workspace matches “${params.q}”` : "No workspaces yet"}>
            {params.q ? <Link className="text-brand-600 hover:underline" href="/">Clear the search</Link> : "Workspaces appear here once they are created."}
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
                      <span className="text-xs text-slate-400">none</span>
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
                          <span className="text-xs text-slate-400">not enrolled</span>
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
