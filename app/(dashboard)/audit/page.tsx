import Link from "next/link";
import { Badge, type Tone } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td, Th } from "@/components/ui/table";
import { requireSession } from "@/lib/auth/session";
import { AuditParams, auditRange } from "@/lib/audit/filters";
import { presentAudit } from "@/lib/audit/present";
import { listAudit } from "@/lib/audit/queries";
import { asUser } from "@/lib/db";
import { AuditFilters } from "./audit-filters";

export const dynamic = "force-dynamic";
export const metadata = { title: "Audit" };

const PAGE = 50;
const TONE: Record<string, Tone> = { Stage: "blue", Flag: "violet", "Settings / alerts": "neutral" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const session = await requireSession();
  const p = AuditParams.parse(await searchParams);
  const { rows, more, workspaces, migrations } = await asUser(session.claims, async (tx) => {
    const [list, workspaces, migrations] = await Promise.all([
      listAudit(tx, { ...p, q: p.q || undefined, actor: p.actor || undefined, ...auditRange(p), limit: PAGE, offset: (p.page - 1) * PAGE }),
      tx<{ slug: string; name: string }[]>`select slug, name from public.workspaces order by name limit 500`,
      tx<{ key: string; name: string }[]>`select key, name from public.migrations order by name`,
    ]);
    return { ...list, workspaces, migrations };
  });
  const shown = rows.map(presentAudit);
  const kept: Record<string, string> = {};
  for (const [k, v] of Object.entries(p)) if (k !== "page" && v) kept[k] = String(v);
  const href = (page: number) => `/audit?${new URLSearchParams({ ...kept, ...(page > 1 ? { page: String(page) } : {}) })}`;
  const filtered = Object.keys(kept).length > 0;
  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-900">Audit log</h1>
        <p className="mt-1 text-sm text-slate-500">Every change, append-only: stage transitions, flag changes, and configuration and alert actions. Newest first; times in UTC.</p>
      </div>
      <Card>
        <AuditFilters
          values={{ source: p.source ?? "", q: p.q ?? "", actor: p.actor ?? "", workspace: p.workspace ?? "", migration: p.migration ?? "", from: p.from ?? "", to: p.to ?? "" }}
          workspaces={workspaces}
          migrations={migrations}
          exportHref={`/api/audit/export?${new URLSearchParams(kept)}`}
          filtered={filtered}
        />
        {shown.length === 0 ? <EmptyState title="Nothing matches these filters" /> : (
          <Table>
            <thead><tr><Th>When</Th><Th>Who</Th><Th>What</Th><Th>Target</Th><Th>Change</Th></tr></thead>
            <tbody className="divide-y divide-slate-100">
              {shown.map((r, i) => (
                <tr key={`${rows[i].source}-${rows[i].id}`} data-testid="audit-row" className="align-top">
                  <Td className="whitespace-nowrap font-mono text-xs text-slate-600">{r.at}</Td>
                  <Td className="text-xs">{r.actor === "system" ? <span className="text-slate-600">system</span> : r.actor}</Td>
                  <Td><Badge tone={TONE[r.kind] ?? "neutral"}>{r.action}</Badge></Td>
                  <Td className="text-sm">
                    <span className="font-medium text-slate-900">{r.target}</span>
                    {r.workspace && !r.target.includes(r.workspace) ? <span className="block text-xs text-slate-600">{r.workspace}</span> : null}
                    {r.migration && !r.target.includes(r.migration) ? <span className="block text-xs text-slate-600">{r.migration}</span> : null}
                  </Td>
                  <Td className="min-w-[16rem] max-w-md text-xs text-slate-700">
                    {r.diff.length ? (
                      <dl className="grid grid-cols-[auto_1fr] gap-x-2 gap-y-0.5" data-testid="audit-diff">
                        {r.diff.map((d) => (
                          <div key={d.field} className="contents">
                            <dt className="text-slate-600">{d.field}</dt>
                            <dd><span className="text-rose-700 line-through decoration-rose-300">{d.before}</span> → <span className="font-medium text-emerald-800">{d.after}</span></dd>
                          </div>
                        ))}
                      </dl>
                    ) : null}
                    {r.details.length ? <p className="mt-0.5 text-slate-600">{r.details.join(" · ")}</p> : null}
                    {r.reason ? <p className="mt-0.5 text-slate-800">“{r.reason}”</p> : null}
                  </Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {p.page > 1 || more ? (
          <nav aria-label="Pagination" className="flex items-center justify-between border-t border-slate-100 px-5 py-3 text-sm">
            <span className="text-slate-600">Page {p.page}</span>
            <div className="flex gap-2">
              {p.page > 1 ? <Link className="rounded-md px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-50" href={href(p.page - 1)}>Newer</Link> : null}
              {more ? <Link className="rounded-md px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-50" href={href(p.page + 1)}>Older</Link> : null}
            </div>
          </nav>
        ) : null}
      </Card>
    </div>
  );
}
