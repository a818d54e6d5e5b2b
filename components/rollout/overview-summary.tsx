import Link from "next/link";
import type { MigrationSummaryCard, RecentChange } from "@/lib/rollouts/summary";
import { GATE_CHECK_LABELS } from "@/lib/rollouts/summary";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { RelativeTime } from "@/components/ui/time";
import { cn } from "@/components/ui/cn";
import { PlanSummaryLine } from "./plan-state";
import { RefreshSoon } from "./refresh-soon";
import { TRANSITION_VERBS } from "./transition-verbs";

const q = (p: Record<string, string>) => `/?${new URLSearchParams(p)}`;

function Stat({ href, label, value, tone, testId, children }: { href: string; label: string; value: number; tone: "green" | "amber" | "red" | "slate"; testId: string; children?: React.ReactNode }) {
  const colour = { green: "text-emerald-700", amber: "text-amber-700", red: "text-rose-700", slate: "text-slate-900" }[tone];
  return (
    <div className="min-w-0 rounded-lg bg-slate-50 px-3 py-2 ring-1 ring-inset ring-slate-200" data-testid={testId}>
      <Link href={href} className="group block" aria-label={`${value} ${label}`}>
        <span className={cn("block text-2xl font-semibold tabular-nums group-hover:underline", value === 0 ? "text-slate-500" : colour)} data-testid={`${testId}-count`}>{value}</span>
        <span className="block text-xs font-medium text-slate-600">{label}</span>
      </Link>
      {children}
    </div>
  );
}

/** Per migration: where the workspaces are, what can move, what cannot and why, what is at risk. */
export function OverviewSummary({ migrations, recent, readinessAt, readinessPending = false }: { migrations: MigrationSummaryCard[]; recent: RecentChange[]; readinessAt: string; readinessPending?: boolean }) {
  return (
    <div className="grid gap-4 xl:grid-cols-3" data-testid="overview-summary">
      {readinessPending ? <RefreshSoon /> : null}
      <div className="space-y-4 xl:col-span-2">
        {migrations.map((m) => (
          <Card key={m.id} className="p-4">
            <div data-testid={`summary-${m.key}`} className="space-y-3">
              <div className="flex flex-wrap items-center justify-between gap-2">
                <h2 className="text-sm font-semibold text-slate-900">
                  <Link href={`/migrations/${m.key}`} className="hover:text-brand-700 hover:underline">{m.name}</Link>
                  <span className="ml-2 text-xs font-normal text-slate-500">{m.total} workspaces</span>
                </h2>
                {m.stop ? (
                  <Link href={`/migrations/${m.key}`}><Badge tone="red">Stopped <RelativeTime date={m.stop.at} /></Badge></Link>
                ) : null}
              </div>
              {m.plan ? <PlanSummaryLine plan={m.plan} migrationKey={m.key} stageNames={m.stages.map((s) => s.name)} /> : null}
              <ol className="flex flex-wrap gap-1.5" aria-label={`${m.name}: workspaces per stage`}>
                {m.stages.map((s) => (
                  <li key={s.position}>
                    <Link href={q({ at: `${m.key}:${s.position}` })}
                      className={cn("inline-flex items-center gap-1.5 rounded-md px-2 py-1 text-xs ring-1 ring-inset hover:bg-brand-50",
                        s.count > 0 ? "bg-white text-slate-800 ring-slate-300" : "bg-slate-50 text-slate-500 ring-slate-200")}
                      aria-label={`${s.count} at stage ${s.position}, ${s.name}`}>
                      <span className="font-mono text-slate-500">{s.position}</span>
                      <span className="max-w-[9rem] truncate">{s.name}</span>
                      <span className="font-semibold tabular-nums">{s.count}</span>
                    </Link>
                  </li>
                ))}
              </ol>
              <div className="grid grid-cols-2 gap-2 sm:grid-cols-4">
                {readinessPending ? (
                  <div className="col-span-2 rounded-lg bg-slate-50 px-3 py-2 text-sm text-slate-600 ring-1 ring-inset ring-slate-200" role="status" data-testid={`readiness-pending-${m.key}`}>
                    Judging every workspace&apos;s gate (the first time since the server started)… Ready and blocked appear here in a few seconds.
                  </div>
                ) : (
                  <>
                    <Stat href={q({ at: m.key, gate: "ready" })} label="ready to advance" value={m.ready} tone="green" testId={`ready-${m.key}`} />
                    <Stat href={q({ at: m.key, gate: "blocked" })} label="blocked by their gate" value={m.blockedTotal} tone="amber" testId={`blocked-${m.key}`}>
                      {m.blocked.length > 0 ? (
                        <ul className="mt-1 space-y-0.5 text-xs">
                          {m.blocked.map((b) => (
                            <li key={b.check}>
                              <Link href={q({ at: m.key, gate: `blocked-${b.check}` })} className="text-slate-600 hover:text-brand-700 hover:underline" data-check={b.check}>
                                {GATE_CHECK_LABELS[b.check] ?? b.check}: <span className="tabular-nums font-medium">{b.count}</span>
                              </Link>
                            </li>
                          ))}
                        </ul>
                      ) : null}
                    </Stat>
                  </>
                )}
                <Stat href={q({ at: m.key, risk: "yes" })} label="at risk" value={m.atRisk} tone="red" testId={`risk-${m.key}`}>
                  <p className="mt-1 text-xs text-slate-600">{m.withAlerts} with open alerts · {m.rolledBack24h} rolled back in 24 h</p>
                </Stat>
                <Stat href={q({ at: m.key, status: "paused" })} label="paused" value={m.paused} tone="slate" testId={`paused-${m.key}`} />
              </div>
              {readinessPending ? null : <p className="text-xs text-slate-500">Ready and blocked as judged by the gates <RelativeTime date={readinessAt} />.</p>}
            </div>
          </Card>
        ))}
      </div>
      <Card className="p-4">
        <h2 className="text-sm font-semibold text-slate-900">Recent changes</h2>
        {recent.length === 0 ? (
          <p className="mt-2 text-sm text-slate-500">Nothing has moved yet.</p>
        ) : (
          <ul className="mt-2 divide-y divide-slate-100" data-testid="recent-changes">
            {recent.map((c) => (
              <li key={c.id} className="py-2 text-sm">
                <div className="flex flex-wrap items-baseline justify-between gap-x-2">
                  <Link href={`/workspaces/${c.workspaceSlug}?m=${c.migrationKey}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">{c.workspaceName}</Link>
                  <span className="text-xs text-slate-500"><RelativeTime date={c.createdAt} /></span>
                </div>
                <p className="text-xs text-slate-600">
                  {TRANSITION_VERBS[c.kind] ?? c.kind} {c.fromStage === c.toStage ? `at stage ${c.toStage}` : `${c.fromStage} → ${c.toStage}`} in {c.migrationName}
                  {" · "}{c.actorEmail ?? "system"}
                </p>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}
