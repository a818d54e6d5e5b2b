import Link from "next/link";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { Badge, type Tone } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { requireSession } from "@/lib/auth/session";
import { listAudit } from "@/lib/audit/queries";
import { asUser } from "@/lib/db";

export const dynamic = "force-dynamic";

const Params = z.object({
  source: z.enum(["transition", "flag", "event"]).optional().catch(undefined),
  q: text().trim().max(100).optional().catch(undefined),
  before: z.iso.datetime({ offset: true }).optional().catch(undefined),
});
const PAGE = 100;
const TONE: Record<string, Tone> = { transition: "blue", flag: "violet", event: "neutral" };

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const session = await requireSession();
  const f = Params.parse(await searchParams);
  const rows = await asUser(session.claims, (tx) => listAudit(tx, { ...f, q: f.q || undefined, limit: PAGE }));
  const last = rows.at(-1);
  const next = rows.length === PAGE && last ? `/audit?${new URLSearchParams({ ...(f.source ? { source: f.source } : {}), ...(f.q ? { q: f.q } : {}), before: new Date(last.at).toISOString() })}` : null;
  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-900">Audit log</h1>
        <p className="mt-1 text-sm text-slate-500">Every change, append-only: stage transitions, flag changes, and configuration and alert actions. Newest first.</p>
      </div>
      <Card>
        <form className="flex flex-wrap gap-2 border-b border-slate-100 px-5 py-3" action="/audit">
          <Select name="source" defaultValue={f.source ?? ""} aria-label="Kind" className="w-44">
            <option value="">Everything</option>
            <option value="transition">Stage transitions</option>
            <option value="flag">Flag changes</option>
            <option value="event">Settings and alerts</option>
          </Select>
          <Input name="q" defaultValue={f.q} placeholder="Workspace, flag, person, reason…" aria-label="Search the audit log" className="w-72" />
          <button type="submit" className="rounded-md px-3 text-sm text-brand-700 ring-1 ring-slate-300 hover:bg-slate-50">Filter</button>
        </form>
        {rows.length === 0 ? <EmptyState title="Nothing matches" /> : (
          <Table>
            <thead><tr><Th>When (UTC)</Th><Th>Who</Th><Th>What</Th><Th>Target</Th><Th>Details</Th></tr></thead>
            <tbody className="divide-y divide-slate-100">
              {rows.map((r) => (
                <tr key={`${r.source}-${r.id}`} data-testid="audit-row">
                  <Td className="whitespace-nowrap font-mono text-xs text-slate-500">{new Date(r.at).toISOString().replace("T", " ").slice(0, 19)}</Td>
                  <Td className="text-xs">{r.actor ?? <span className="text-slate-500">system</span>}</Td>
                  <Td><Badge tone={TONE[r.source]}>{r.action}</Badge></Td>
                  <Td className="font-mono text-xs">{r.target}</Td>
                  <Td className="max-w-md text-xs text-slate-600"><span>{r.summary}</span>{r.reason ? <span className="block text-slate-800">{r.reason}</span> : null}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
        {next ? <div className="border-t border-slate-100 px-5 py-3 text-right"><Link className="text-sm text-brand-700 hover:underline" href={next}>Older →</Link></div> : null}
      </Card>
    </div>
  );
}
