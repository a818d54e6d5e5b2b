import Link from "next/link";
import { Badge, type Tone } from "@/components/ui/badge";
import { planStateLabel, type PlanOverviewRow, type PlanState, type WorkspacePlanOutlook } from "@/lib/plans/types";

export const PLAN_STATE_TONE: Record<PlanState, Tone> = { draft: "neutral", running: "blue", paused: "amber", halted: "red", aborted: "neutral", done: "green" };

function StateBadge({ state, approvalsMissing }: { state: PlanState; approvalsMissing?: number }) {
  const label = planStateLabel({ state, approvalsMissing });
  return <Badge tone={label === "waiting for approval" ? "amber" : PLAN_STATE_TONE[state]}>{label}</Badge>;
}

/** The overview's line for a migration's plan: name, state, step k of n and what it waits for. Read-only. */
export function PlanSummaryLine({ plan, migrationKey, stageNames }: { plan: PlanOverviewRow; migrationKey: string; stageNames: string[] }) {
  const live = ["running", "paused", "halted", "draft"].includes(plan.state);
  const target = plan.targetStage === null ? null : (stageNames[plan.targetStage] ?? `stage ${plan.targetStage}`);
  return (
    <div className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1 rounded-md bg-slate-50 px-3 py-2 text-xs ring-1 ring-inset ring-slate-200" data-testid={`plan-${migrationKey}`}>
      <span className="font-medium text-slate-600">Plan</span>
      <Link href={`/migrations/${migrationKey}`} className="min-w-0 break-words font-medium text-slate-900 underline decoration-slate-300 hover:text-brand-700">{plan.name}</Link>
      <StateBadge state={plan.state} approvalsMissing={plan.approvalsMissing} />
      {live && plan.steps > 0 ? (
        <span className="text-slate-700" data-testid={`plan-${migrationKey}-step`}>
          step {Math.min(plan.currentStep + 1, plan.steps)} of {plan.steps}{target ? ` → ${target}` : ""}
        </span>
      ) : null}
      {live ? (
        <span aria-hidden className="hidden text-slate-400 sm:inline">·</span>
      ) : null}
      {live ? (
        <span className="min-w-0 basis-full break-words text-slate-600 sm:basis-auto" data-testid={`plan-${migrationKey}-waits`}>
          {plan.waiting ?? (plan.state === "running" ? "Moving workspaces as their gates pass." : null)}
        </span>
      ) : null}
    </div>
  );
}

/** The workspace page's card: for each migration with a live plan, whether and when the plan moves this workspace. */
export function WorkspacePlanCard({ outlook, migrations }: { outlook: WorkspacePlanOutlook[]; migrations: { id: string; key: string; name: string; stageNames: string[] }[] }) {
  if (outlook.length === 0) return null;
  return (
    <ul className="divide-y divide-slate-100" data-testid="workspace-plans" aria-label="Rollout plans">
      {outlook.map((o) => {
        const m = migrations.find((x) => x.id === o.migrationId);
        if (!m) return null;
        const target = o.moveTarget === null ? null : (m.stageNames[o.moveTarget] ?? `stage ${o.moveTarget}`);
        const verdict = o.quarantined
          ? "Quarantined by the plan: its gate failed, the plan paused it and went on. Resume it by hand to let the plan take it again."
          : o.paused
            ? "Paused: the plan passes over it until someone resumes it."
            : o.holding
              ? `Holds step ${o.currentStep + 1}: its gate failed, and the step waits for it.`
              : o.moveStep === null
                ? "The plan will not move it: it is at or past every remaining step's target, or outside their cohorts."
                : o.moveStep === o.currentStep
                  ? `The current step (${o.moveStep + 1} of ${o.steps}) moves it to ${o.moveTarget} · ${target} ${o.approvalsMissing > 0 ? `once the step has its approval (${o.approvalsMissing} missing) and its gate passes` : "when its gate passes"}.`
                  : `Step ${o.moveStep + 1} of ${o.steps} will move it to ${o.moveTarget} · ${target}.`;
        return (
          <li key={o.planId} className="flex min-w-0 flex-wrap items-center gap-x-2 gap-y-1 px-5 py-3 text-sm" data-testid={`workspace-plan-${m.key}`}>
            <span className="font-medium text-slate-900">{m.name}</span>
            <span aria-hidden className="text-slate-400">·</span>
            <Link href={`/migrations/${m.key}`} className="min-w-0 break-words text-slate-700 underline decoration-slate-300 hover:text-brand-700">{o.name}</Link>
            <StateBadge state={o.state} approvalsMissing={o.approvalsMissing} />
            <span className="text-xs text-slate-500">step {Math.min(o.currentStep + 1, o.steps)} of {o.steps}</span>
            {o.quarantined ? <Badge tone="red">quarantined</Badge> : o.holding ? <Badge tone="amber">holding the step</Badge> : null}
            <p className="basis-full break-words text-slate-600">{verdict}</p>
          </li>
        );
      })}
    </ul>
  );
}
