import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/time";
import type { AlertRow } from "@/lib/guardrails/queries";

function num(v: unknown): string {
  return typeof v === "number" ? (Math.abs(v) < 10 ? v.toFixed(3) : v.toFixed(1)) : "—";
}

/** Unresolved alerts of a workspace, the one linked from the inbox expanded with its evaluation. */
export function AlertCallout({ alerts, focus }: { alerts: AlertRow[]; focus?: string }) {
  if (alerts.length === 0) return null;
  return (
    <div className="space-y-2" data-testid="workspace-alerts">
      {alerts.map((a) => {
        const e = a.evaluation as Record<string, unknown>;
        return (
          <div key={a.id} className={`rounded-xl px-4 py-3 ring-1 ${a.severity === "critical" ? "bg-rose-50 ring-rose-200" : "bg-amber-50 ring-amber-200"}`}>
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <Badge tone={a.severity === "critical" ? "red" : "amber"}>{a.severity}</Badge>
              <span className="font-medium text-slate-900">{a.rule}</span>
              <Badge>{a.state}</Badge>
              <span className="text-xs text-slate-500">opened <RelativeTime date={a.openedAt} />, last breach <RelativeTime date={a.lastBreachAt} /></span>
              <Link href={`/alerts?state=${a.state}`} className="ml-auto text-xs text-brand-700 hover:underline">Alerts inbox →</Link>
            </div>
            <p className="mt-1 text-sm text-slate-700">{a.message}</p>
            {a.actionTaken ? <p className="mt-0.5 text-xs font-medium text-slate-700">Action: {a.actionTaken}</p> : null}
            {focus === a.id ? (
              <dl className="mt-2 grid grid-cols-2 gap-x-6 gap-y-1 text-xs text-slate-600 sm:grid-cols-4" data-testid="alert-evaluation">
                <div><dt className="text-slate-500">New</dt><dd className="font-mono">{num(e.value_new)} ({String(e.samples_new ?? 0)} samples)</dd></div>
                <div><dt className="text-slate-500">Old (baseline)</dt><dd className="font-mono">{num(e.value_old)} ({String(e.samples_old ?? 0)} samples)</dd></div>
                <div><dt className="text-slate-500">Compared</dt><dd className="font-mono">{num(e.compared)} {String(e.operator)} {num(e.threshold)}</dd></div>
                <div><dt className="text-slate-500">Window</dt><dd className="font-mono">{String(e.window_from ?? "").slice(11, 19)}–{String(e.window_to ?? "").slice(11, 19)} UTC</dd></div>
              </dl>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
