import Link from "next/link";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { StageLabel, StatusBadge } from "@/components/rollout/stage-badge";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { requireSession } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { listMigrationColumns, listOverview } from "@/lib/rollouts/overview";

export const dynamic = "force-dynamic";

const Params = z.object({
  q: text().trim().max(100).optional().catch(undefined),
  // "<migration key>" or "<migration key>:<stage>"
  at: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}(:\d{1,2})?$/).optional().catch(undefined),
  status: z.enum(["active", "paused", "rolled_back"]).optional().catch(undefined),
  health: z.enum(["alerts", "critical", "healthy"]).optional().catch(undefined),
  canary: z.enum(["yes", "no"]).optional().catch(undefined),
  sort: z.enum(["canary", "name", "alerts", "recent"]).catch("canary"),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
});
const PAGE_SIZE = 50;

export default async function OverviewPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const session = await requireSession();
  const params = Params.parse(await searchParams);
  const { columns, rows, total } = await asUser(session.claims, async (tx) => {
    const columns = await listMigrationColumns(tx);
    const [migration, stage] = params.at?.split(":") ?? [];
    const { rows, total } = await listOverview(tx, {
      q: params.q || undefined,
      migration,
      stage: stage === undefined ? undefined : Number(stage),
      status: params.status,
      health: params.health,
      canary: params.canary === undefined ? undefined : params.canary === "yes",
      sort: params.sort,
      page: params.page,
      pageSize: PAGE_SIZE,
    });
    return { columns, rows, total };
  });
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (k !== "page" && v) kept[k] = String(v);
  const pageHref = (p: number) => `/?${new URLSearchParams({ ...kept, page: String(p) })}`;
  const filtered = Boolean(params.q || params.at || params.status || params.health || params.canary);

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
        />
        <form role="search" action="/" className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-5 py-3" data-testid="overview-filters">
          <Input name="q" type="search" placeholder="Search workspaces…" defaultValue={params.q} aria-label="Search workspaces" className="w-56" />
          <Select name="at" defaultValue={params.at ?? ""} aria-label="Stage" className="w-56">
            <option value="">Any stage</option>
            {columns.map((c) => (
              <optgroup key={c.id} label={c.name}>
                <option value={c.key}>{c.name}: enrolled</option>
                {Array.from({ length: c.stageCount }, (_, i) => <option key={i} value={`${c.key}:${i}`}>{c.name}: stage {i}</option>)}
              </optgroup>
            ))}
          </Select>
          <Select name="status" defaultValue={params.status ?? ""} aria-label="Status" className="w-36">
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="paused">Paused</option>
            <option value="rolled_back">Rolled back</option>
          </Select>
          <Select name="health" defaultValue={params.health ?? ""} aria-label="Health" className="w-40">
            <option value="">Any health</option>
            <option value="alerts">Open alerts</option>
            <option value="critical">Critical alerts</option>
            <option value="healthy">No open alerts</option>
          </Select>
          <Select name="canary" defaultValue={params.canary ?? ""} aria-label="Canary" className="w-36">
            <option value="">All workspaces</option>
            <option value="yes">Canaries</option>
            <option value="no">Not canaries</option>
          </Select>
          <Select name="sort" defaultValue={params.sort} aria-label="Sort" className="w-44">
            <option value="canary">Canaries first</option>
            <option value="name">Name</option>
            <option value="alerts">Most alerts</option>
            <option value="recent">Recently moved</option>
          </Select>
          <button type="submit" className="h-9 rounded-md px-3 text-sm font-medium text-brand-700 ring-1 ring-slate-300 hover:bg-slate-50">Apply</button>
          {filtered ? <Link href="/" className="text-sm text-slate-500 hover:underline">Clear</Link> : null}
        </form>
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
