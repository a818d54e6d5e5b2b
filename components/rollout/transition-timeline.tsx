import { Badge, type Tone } from "@/components/ui/badge";
import { RelativeTime } from "@/components/ui/time";
import type { StageRow, TransitionRow } from "@/lib/rollouts/types";
import { GateChecklist } from "./gate-checklist";
import { TRANSITION_KINDS } from "./transition-verbs";

const KIND = TRANSITION_KINDS;

/** Who moved the workspace, when, why, with the gate report that was evaluated. */
export function TransitionTimeline({ transitions, stages }: { transitions: TransitionRow[]; stages: StageRow[] }) {
  const name = (p: number) => stages.find((s) => s.position === p)?.name ?? `stage ${p}`;
  if (transitions.length === 0) return <p className="text-sm text-slate-500">No transitions yet.</p>;
  return (
    <ol className="relative space-y-4 border-l border-slate-200 pl-5" aria-label="Transition history">
      {transitions.map((t) => {
        const k = KIND[t.kind] ?? { label: t.kind, tone: "neutral" as Tone };
        return (
          <li key={t.id} className="relative" data-testid="transition">
            <span className="absolute -left-[25px] top-1.5 h-2.5 w-2.5 rounded-full bg-slate-300 ring-4 ring-white" aria-hidden />
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <Badge tone={k.tone}>{k.label}</Badge>
              {t.fromStage !== t.toStage ? (
                <span className="text-slate-700">
                  {t.fromStage} {name(t.fromStage)} → <span className="font-medium text-slate-900">{t.toStage} {name(t.toStage)}</span>
                </span>
              ) : (
                <span className="text-slate-700">at {t.toStage} {name(t.toStage)}</span>
              )}
              <span className="text-xs text-slate-500">
                <RelativeTime date={t.createdAt} /> · {t.actorEmail ?? "system (guardrail)"}
              </span>
            </div>
            {t.reason ? <p className="mt-1 text-sm text-slate-600">{t.reason}</p> : null}
            {t.gateReport && Array.isArray(t.gateReport.checks) ? (
              <details className="mt-1.5 text-sm">
                <summary className="cursor-pointer text-xs font-medium text-brand-700 hover:underline">
                  Gate report ({t.gateReport.passed ? "passed" : t.gateReport.overridden ? "failed, overridden" : "failed"})
                </summary>
                <div className="mt-2 max-w-xl rounded-lg bg-slate-50 px-3 py-1 ring-1 ring-slate-200">
                  <GateChecklist report={t.gateReport} />
                </div>
              </details>
            ) : null}
          </li>
        );
      })}
    </ol>
  );
}
