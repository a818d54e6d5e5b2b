import Link from "next/link";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { LiveRefresh } from "@/components/live-refresh";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { EmptyState } from "@/components/ui/empty-state";
import { Input, Select } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { requireSession, roleAtLeast } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { alertCounts, listAlerts } from "@/lib/guardrails/queries";
import { listMigrationColumns } from "@/lib/rollouts/overview";
import { AlertActions } from "./alert-actions";
import { migrationKey } from "@/lib/validation/identifiers";

export const dynamic = "force-dynamic";

const Params = z.object({
  state: z.enum(["open", "acknowledged", "resolved"]).catch("open"),
  migration: migrationKey.optional().catch(undefined),
  workspace: text().trim().max(100).optional().catch(undefined),
  severity: z.enum(["warning", "critical"]).optional().catch(undefined),
});

const STATES = ["open", "acknowledged", "resolved"] as const;

export default async function AlertsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const session = await requireSession();
  const f = Params.parse(await searchParams);
  const { alerts, counts, migrations } = await asUser(session.claims, async (tx) => ({
    alerts: await listAlerts(tx, { ...f, workspace: f.workspace || undefined, limit: 200 }),
    counts: await alertCounts(tx),
    migrations: await listMigrationColumns(tx),
  }));
  const href = (state: string) => `/alerts?${new URLSearchParams({ state, ...(f.migration ? { migration: f.migration } : {}), ...(f.workspace ? { workspace: f.workspace } : {}), ...(f.severity ? { severity: f.severity } : {}) })}`;
  const canOperate = roleAtLeast(session.role, "operator");

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div className="flex items-start justify-between">
        <div>
          <h1 className="text-xl font-semibold text-slate-900">Alerts</h1>
          <p className="mt-1 text-sm text-slate-500">Guardrail breaches: what fired, where, what was done about it.</p>
        </div>
        <LiveRefresh query="" />
      </div>
      <Card>
        <div className="flex flex-wrap items-center justify-between gap-3 border-b border-slate-100 px-5 py-3">
          <nav className="flex gap-1" aria-label="Alert state">
            {STATES.map((s) => (
              <Link key={s} href={href(s)} aria-current={f.state === s ? "page" : undefined}
                className={cn("rounded-md px-3 py-1.5 text-sm font-medium", f.state === s ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-50")}>
                {s[0].toUpperCase() + s.slice(1)} <span className="ml-1 text-xs text-slate-400">{counts[s]}</span>
              </Link>
            ))}
          </nav>
          <form className="flex flex-wrap gap-2" action="/alerts">
            <input type="hidden" name="state" value={f.state} />
            <Select name="migration" defaultValue={f.migration ?? ""} aria-label="Migration" className="w-48">
              <option value="">All migrations</option>
              {migrations.map((m) => <option key={m.id} value={m.key}>{m.name}</option>)}
            </Select>
            <Select name="severity" defaultValue={f.severity ?? ""} aria-label="Severity" className="w-36">
              <option value="">Any severity</option>
              <option value="critical">Critical</option>
              <option value="warning">Warning</option>
            </Select>
            <Input name="workspace" defaultValue={f.workspace} placeholder="Workspace…" aria-label="Workspace" className="w-44" />
            <button type="submit" className="rounded-md px-3 text-sm text-brand-700 ring-1 ring-slate-300 hover:bg-slate-50">Filter</button>
          </form>
        </div>
        {alerts.length === 0 ? (
          <EmptyState title={`No ${f.state} alerts`}>
            {f.state === "open" ? "Guardrails are watching every workspace; breaches appear here within seconds." : null}
          </EmptyState>
        ) : (
          <Table>
            <thead>
              <tr><Th>Severity</Th><Th>Alert</Th><Th>Workspace</Th><Th>Action taken</Th><Th>Last breach</Th><Th className="text-right">&nbsp;</Th></tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {alerts.map((a) => (
                <tr key={a.id} data-testid="alert-row">
                  <Td><Badge tone={a.severity === "critical" ? "red" : "amber"}>{a.severity}</Badge></Td>
                  <Td className="max-w-md">
                    <p className="font-medium text-slate-900">{a.rule}</p>
                    <p className="mt-0.5 text-xs text-slate-500">{a.message}</p>
                    {a.note ? <p className="mt-1 text-xs text-slate-600">Note: {a.note}</p> : null}
                    {a.acknowledgedBy && a.state !== "resolved" ? <p className="mt-1 text-xs text-slate-500">Acknowledged by {a.acknowledgedBy}</p> : null}
                    {a.resolvedBy ? <p className="mt-1 text-xs text-slate-500">Resolved by {a.resolvedBy}</p> : null}
                  </Td>
                  <Td>
                    <Link className="font-medium text-brand-700 hover:underline" href={`/workspaces/${a.workspaceSlug}?m=${a.migrationKey}&alert=${a.id}`}>{a.workspaceName}</Link>
                    <p className="text-xs text-slate-500">{a.migrationName} · stage {a.stageAtBreach}</p>
                  </Td>
                  <Td className="text-xs text-slate-600">{a.actionTaken ?? "alert only"}</Td>
                  <Td className="text-xs text-slate-500">
                    <RelativeTime date={a.lastBreachAt} />
                    {a.breachCount > 1 ? <span className="block">{a.breachCount} breaches</span> : null}
                  </Td>
                  <Td className="text-right"><AlertActions alertId={a.id} state={a.state} canOperate={canOperate} /></Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}
