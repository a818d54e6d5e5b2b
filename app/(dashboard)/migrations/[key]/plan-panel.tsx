"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { PLAN_STATE_TONE } from "@/components/rollout/plan-state";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { cohortLabel, type PlanStatus } from "@/lib/plans/types";
import { changePlanState, decideStep, skipStep, startRolloutPlan } from "./plan-actions";
import { PlanEditor, type Templates } from "./plan-editor";

const STEP_TONE = { done: "green", current: "blue", next: "neutral" } as const;

/** The migration's rollout plan: steps done / current / next, what the current step waits for, and the people's buttons. */
export function PlanPanel({ migration, plan, stageNames, role, templates }: {
  migration: string; plan: PlanStatus | null; stageNames: string[]; role: "viewer" | "operator" | "admin";
  /** the templates' steps (admins only: the editor starts from them) */
  templates: Templates | null;
}) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState("");
  const canOperate = role !== "viewer";
  const isAdmin = role === "admin";

  function run(fn: () => Promise<{ data: unknown } | { error: string }>) {
    setError(null);
    start(async () => {
      const r = await fn();
      if ("error" in r) return setError(r.error);
      setNote("");
      router.refresh();
    });
  }

  const live = plan && !["done", "aborted"].includes(plan.state);
  const current = plan?.steps.find((s) => s.status === "current");

  return (
    <div className="space-y-4" data-testid="plan-panel">
      {plan ? (
        <>
          <div className="flex flex-wrap items-center gap-2">
            <span className="font-medium text-slate-900">{plan.name}</span>
            <Badge tone={PLAN_STATE_TONE[plan.state]}>{plan.state}</Badge>
            <span className="text-xs text-slate-500">{plan.time_zone}{plan.author_email ? ` · by ${plan.author_email}` : ""}</span>
          </div>
          <ol className="grid gap-2 sm:grid-cols-2 lg:grid-cols-3" aria-label="Plan steps">
            {plan.steps.map((s) => (
              <li key={s.position} className={`rounded-lg p-3 text-sm ring-1 ${s.status === "current" ? "bg-brand-50/50 ring-brand-200" : "ring-slate-200"}`} data-step-status={s.status}>
                <div className="flex items-center justify-between gap-2">
                  <span className="font-medium text-slate-800">{s.position + 1}. {cohortLabel(s)} → {stageNames[s.target_stage] ?? `stage ${s.target_stage}`}</span>
                  <Badge tone={STEP_TONE[s.status]}>{s.status}</Badge>
                </div>
                <p className="mt-1 text-xs text-slate-500">
                  bake {s.bake_minutes} min · {s.max_concurrent} at once · on failure: {s.failure_policy.replace("_", " ")}
                  {s.approvals_required ? ` · approvals ${s.approvals}/${s.approvals_required}` : ""}
                </p>
              </li>
            ))}
          </ol>
          {live && plan.waiting_for.length ? (
            <div className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200" data-testid="plan-waiting">
              <span className="font-medium">Step {plan.current_step + 1} waits: </span>
              {plan.waiting_for.join(" ")}
            </div>
          ) : null}
          {live ? (
            <div className="flex flex-wrap items-end gap-2">
              {canOperate ? (
                <div className="min-w-56 flex-1 space-y-1.5">
                  <Label htmlFor="plan-note">Note</Label>
                  <Input id="plan-note" value={note} onChange={(e) => setNote(e.target.value)} placeholder="e.g. metrics look good (a reason is needed to skip)" />
                </div>
              ) : null}
              {current && current.approvals_required > current.approvals ? (
                <>
                  <Button disabled={pending || !canOperate} title={!canOperate ? "Viewers cannot approve" : undefined}
                    onClick={() => run(() => decideStep({ migration, plan: plan.id, step: current.position, decision: "approve", note }))}>Approve step {current.position + 1}</Button>
                  <Button variant="secondary" disabled={pending || !canOperate}
                    onClick={() => run(() => decideStep({ migration, plan: plan.id, step: current.position, decision: "reject", note }))}>Reject</Button>
                </>
              ) : null}
              {plan.state === "draft" ? (
                <Button disabled={pending || !isAdmin} title={!isAdmin ? "Only admins start plans" : undefined}
                  onClick={() => run(() => startRolloutPlan({ migration, plan: plan.id }))}>Start plan</Button>
              ) : null}
              {plan.state === "running" ? (
                <Button variant="secondary" disabled={pending || !canOperate} onClick={() => run(() => changePlanState({ migration, plan: plan.id, action: "pause", reason: note }))}>Pause plan</Button>
              ) : null}
              {plan.state === "paused" || plan.state === "halted" ? (
                <Button disabled={pending || !canOperate} onClick={() => run(() => changePlanState({ migration, plan: plan.id, action: "resume", reason: note }))}>Resume plan</Button>
              ) : null}
              {current && plan.state !== "draft" ? (
                <Button variant="secondary" disabled={pending || !canOperate} title="Finish the current step now and go on to the next (needs a reason in Note)"
                  onClick={() => run(() => skipStep({ migration, plan: plan.id, step: current.position, reason: note }))}>Skip step {current.position + 1}</Button>
              ) : null}
              <Button variant="ghost" disabled={pending || !canOperate} onClick={() => run(() => changePlanState({ migration, plan: plan.id, action: "abort", reason: note }))}>Abort</Button>
            </div>
          ) : null}
          <details className="text-sm">
            <summary className="cursor-pointer text-slate-600">Timeline ({plan.events.length})</summary>
            <ol className="mt-2 max-h-72 space-y-1 overflow-y-auto" aria-label="Plan timeline">
              {plan.events.map((e) => (
                <li key={e.id} className="flex gap-2 text-xs text-slate-600">
                  <time className="shrink-0 tabular-nums text-slate-400" dateTime={e.created_at}>{new Date(e.created_at).toISOString().slice(5, 16).replace("T", " ")}</time>
                  <span className="shrink-0 font-medium text-slate-700">{e.step !== null ? `step ${e.step + 1} · ` : ""}{e.kind.replace("_", " ")}</span>
                  <span className="break-words">{e.message}{e.actor_email ? ` — ${e.actor_email}` : ""}</span>
                </li>
              ))}
            </ol>
          </details>
        </>
      ) : (
        <p className="text-sm text-slate-500">No plan yet: workspaces move only when someone advances them.</p>
      )}
      {!live && isAdmin && templates ? <PlanEditor migration={migration} stageNames={stageNames} templates={templates} /> : null}
      {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
    </div>
  );
}
