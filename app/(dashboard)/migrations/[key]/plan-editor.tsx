"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/input";
import {
  COHORT_KINDS, draftProblem, FAILURE_POLICIES, TIERS, WEEKDAYS,
  type PlanDraft, type PlanDraftInput, type PlanStepDraft,
} from "@/lib/plans/draft";
import { PLAN_TEMPLATES, type PlanTemplate } from "@/lib/plans/types";
import { createCustomPlan } from "./plan-actions";

export type Templates = Record<PlanTemplate, { steps: PlanStepDraft[]; windows: PlanDraft["windows"] }>;

const COHORT_WORDS: Record<PlanStepDraft["cohortKind"], string> = { canaries: "Canaries", percent: "% of workspaces (wave order)", tier: "A tier", workspaces: "Named workspaces" };
const POLICY_WORDS: Record<PlanStepDraft["failurePolicy"], string> = { hold: "Hold the plan", quarantine: "Quarantine it, go on", rollback_step: "Roll the step back" };
const TEMPLATE_NAMES: Record<PlanTemplate, string> = { canary_percent: "Canaries, then 1 → 100 %", weekly: "Weekly ramp" };

interface Editing {
  name: string;
  timeZone: string;
  earliestStart: string; // datetime-local, the browser's time
  windows: PlanDraft["windows"];
  freezes: { from: string; to: string; reason: string }[]; // datetime-local
  steps: (PlanStepDraft & { workspacesText: string })[];
}

const blankStep = (lastStage: number): Editing["steps"][number] => ({
  targetStage: lastStage, cohortKind: "percent", cohortPercent: 100, bakeMinutes: 60, maxConcurrent: 10, failurePolicy: "hold", approvalsRequired: 0, workspacesText: "",
});

function fromTemplate(t: PlanTemplate | "blank", templates: Templates, lastStage: number, timeZone: string): Editing {
  if (t === "blank") return { name: "", timeZone, earliestStart: "", windows: [], freezes: [], steps: [blankStep(lastStage)] };
  return {
    name: TEMPLATE_NAMES[t], timeZone, earliestStart: "", freezes: [],
    windows: templates[t].windows.map((w) => ({ ...w, days: [...w.days] })),
    steps: templates[t].steps.map((s) => ({ ...s, workspacesText: "" })),
  };
}

/** datetime-local (the browser's time) → ISO instant, or the text itself when it is not a date (the schema then names it). */
const toInstant = (local: string) => (Number.isNaN(Date.parse(local)) ? local : new Date(local).toISOString());

function toDraft(e: Editing): PlanDraftInput {
  return {
    name: e.name,
    timeZone: e.timeZone,
    earliestStart: e.earliestStart ? toInstant(e.earliestStart) : null,
    windows: e.windows,
    freezes: e.freezes.map((f) => ({ from: toInstant(f.from), to: toInstant(f.to), reason: f.reason })),
    steps: e.steps.map(({ workspacesText, ...s }) => ({
      ...s,
      cohortWorkspaces: s.cohortKind === "workspaces" ? workspacesText.split(/[\s,]+/).filter(Boolean) : undefined,
      cohortPercent: s.cohortKind === "percent" ? s.cohortPercent : undefined,
      cohortTier: s.cohortKind === "tier" ? s.cohortTier ?? "standard" : undefined,
    })),
  };
}

const num = (v: string) => (v.trim() === "" ? Number.NaN : Number(v));

/**
 * The plan editor (admins): start from a template or blank, then edit the steps
 * (stage, cohort, bake time, how many at once, failure policy, approvals), the
 * windows, freezes and earliest start. The draft is checked as it is typed (the
 * same schema the server action applies) and created as a draft plan to start.
 */
export function PlanEditor({ migration, stageNames, templates, defaultTimeZone = "Europe/Berlin" }: { migration: string; stageNames: string[]; templates: Templates; defaultTimeZone?: string }) {
  const router = useRouter();
  const lastStage = stageNames.length - 1;
  const [open, setOpen] = useState(false);
  const [source, setSource] = useState<PlanTemplate | "blank">("canary_percent");
  const [e, setE] = useState<Editing>(() => fromTemplate("canary_percent", templates, lastStage, defaultTimeZone));
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const problem = draftProblem(toDraft(e));

  const setStep = (i: number, patch: Partial<Editing["steps"][number]>) => setE((x) => ({ ...x, steps: x.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) }));
  const moveStep = (i: number, by: -1 | 1) => setE((x) => {
    const steps = [...x.steps];
    [steps[i], steps[i + by]] = [steps[i + by], steps[i]];
    return { ...x, steps };
  });
  const setWindow = (i: number, patch: Partial<PlanDraft["windows"][number]>) => setE((x) => ({ ...x, windows: x.windows.map((w, j) => (j === i ? { ...w, ...patch } : w)) }));
  const setFreeze = (i: number, patch: Partial<Editing["freezes"][number]>) => setE((x) => ({ ...x, freezes: x.freezes.map((f, j) => (j === i ? { ...f, ...patch } : f)) }));

  function submit(startNow: boolean) {
    setError(null);
    start(async () => {
      const r = await createCustomPlan({ migration, plan: toDraft(e), start: startNow });
      if ("error" in r) return setError(r.error);
      setOpen(false);
      router.refresh();
    });
  }

  if (!open) {
    return (
      <div className="flex flex-wrap items-center gap-3 rounded-lg bg-slate-50 p-3 ring-1 ring-slate-200">
        <p className="min-w-0 flex-1 text-sm text-slate-600">Set the schedule once: steps, windows, freezes and approvals. The console then moves workspaces on each one&apos;s gate.</p>
        <Button onClick={() => setOpen(true)}>New plan…</Button>
      </div>
    );
  }

  return (
    <form className="space-y-5 rounded-lg bg-slate-50 p-3 ring-1 ring-slate-200 sm:p-4" aria-label="New rollout plan" data-testid="plan-editor"
      onSubmit={(ev) => { ev.preventDefault(); submit(false); }}>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <div className="space-y-1.5">
          <Label htmlFor="plan-source">Start from</Label>
          <Select id="plan-source" value={source} onChange={(ev) => {
            const t = ev.target.value as PlanTemplate | "blank";
            setSource(t);
            setE((x) => fromTemplate(t, templates, lastStage, x.timeZone));
          }}>
            {Object.entries(PLAN_TEMPLATES).map(([k, label]) => <option key={k} value={k}>{label}</option>)}
            <option value="blank">Blank: one step, no windows</option>
          </Select>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="plan-name">Plan name</Label>
          <Input id="plan-name" value={e.name} maxLength={200} onChange={(ev) => setE((x) => ({ ...x, name: ev.target.value }))} placeholder="e.g. Q1 lead-centric ramp" />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="plan-tz">Time zone</Label>
          <Input id="plan-tz" value={e.timeZone} list="plan-tz-list" onChange={(ev) => setE((x) => ({ ...x, timeZone: ev.target.value }))} />
          <datalist id="plan-tz-list">
            {["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Asia/Tokyo", "Australia/Sydney"].map((z) => <option key={z} value={z} />)}
          </datalist>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="plan-earliest">Earliest start (your local time, optional)</Label>
          <Input id="plan-earliest" type="datetime-local" value={e.earliestStart} onChange={(ev) => setE((x) => ({ ...x, earliestStart: ev.target.value }))} />
        </div>
      </div>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Steps <span className="font-normal text-slate-500">— each moves its cohort one stage at a time up to the target, behind each workspace&apos;s gate</span></legend>
        <ol className="space-y-2" aria-label="Plan steps being edited">
          {e.steps.map((s, i) => (
            <li key={i} className="rounded-lg bg-white p-3 ring-1 ring-slate-200" data-testid="plan-editor-step">
              <div className="mb-2 flex items-center justify-between gap-2">
                <span className="text-sm font-medium text-slate-800">Step {i + 1}</span>
                <span className="flex gap-1">
                  <Button variant="ghost" size="sm" disabled={i === 0} aria-label={`Move step ${i + 1} up`} onClick={() => moveStep(i, -1)}>↑</Button>
                  <Button variant="ghost" size="sm" disabled={i === e.steps.length - 1} aria-label={`Move step ${i + 1} down`} onClick={() => moveStep(i, 1)}>↓</Button>
                  <Button variant="ghost" size="sm" disabled={e.steps.length === 1} aria-label={`Remove step ${i + 1}`} onClick={() => setE((x) => ({ ...x, steps: x.steps.filter((_, j) => j !== i) }))}>Remove</Button>
                </span>
              </div>
              <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
                <div className="space-y-1.5">
                  <Label htmlFor={`step-${i}-cohort`}>Cohort</Label>
                  <Select id={`step-${i}-cohort`} value={s.cohortKind} onChange={(ev) => setStep(i, { cohortKind: ev.target.value as PlanStepDraft["cohortKind"] })}>
                    {COHORT_KINDS.map((k) => <option key={k} value={k}>{COHORT_WORDS[k]}</option>)}
                  </Select>
                </div>
                {s.cohortKind === "percent" ? (
                  <div className="space-y-1.5">
                    <Label htmlFor={`step-${i}-percent`}>Percent of workspaces</Label>
                    <Input id={`step-${i}-percent`} type="number" min={0} max={100} step="any" value={Number.isNaN(s.cohortPercent) ? "" : s.cohortPercent ?? ""}
                      onChange={(ev) => setStep(i, { cohortPercent: num(ev.target.value) })} />
                  </div>
                ) : s.cohortKind === "tier" ? (
                  <div className="space-y-1.5">
                    <Label htmlFor={`step-${i}-tier`}>Tier</Label>
                    <Select id={`step-${i}-tier`} value={s.cohortTier ?? "standard"} onChange={(ev) => setStep(i, { cohortTier: ev.target.value as PlanStepDraft["cohortTier"] })}>
                      {TIERS.map((t) => <option key={t} value={t}>{t}</option>)}
                    </Select>
                  </div>
                ) : s.cohortKind === "workspaces" ? (
                  <div className="space-y-1.5">
                    <Label htmlFor={`step-${i}-workspaces`}>Workspace slugs (comma-separated)</Label>
                    <Input id={`step-${i}-workspaces`} value={s.workspacesText} onChange={(ev) => setStep(i, { workspacesText: ev.target.value })} placeholder="acme, globex" />
                  </div>
                ) : <div className="hidden lg:block" />}
                <div className="space-y-1.5">
                  <Label htmlFor={`step-${i}-stage`}>Up to stage</Label>
                  <Select id={`step-${i}-stage`} value={s.targetStage} onChange={(ev) => setStep(i, { targetStage: Number(ev.target.value) })}>
                    {stageNames.slice(1).map((n, k) => <option key={k + 1} value={k + 1}>{k + 1} · {n}</option>)}
                  </Select>
                </div>
                <div className="space-y-1.5">
                  <Label htmlFor={`step-${i}-policy`}>When a gate fails</Label>
                  <Select id={`step-${i}-policy`} value={s.failurePolicy} onChange={(ev) => setStep(i, { failurePolicy: ev.target.value as PlanStepDraft["failurePolicy"] })}>
                    {FAILURE_POLICIES.map((p) => <option key={p} value={p}>{POLICY_WORDS[p]}</option>)}
                  </Select>
                </div>
                <div className="space-y-1.5">
                  <Label htmlFor={`step-${i}-bake`}>Bake time per stage (minutes)</Label>
                  <Input id={`step-${i}-bake`} type="number" min={0} value={Number.isNaN(s.bakeMinutes) ? "" : s.bakeMinutes} onChange={(ev) => setStep(i, { bakeMinutes: num(ev.target.value) })} />
                </div>
                <div className="space-y-1.5">
                  <Label htmlFor={`step-${i}-concurrent`}>Workspaces moved at once</Label>
                  <Input id={`step-${i}-concurrent`} type="number" min={1} value={Number.isNaN(s.maxConcurrent) ? "" : s.maxConcurrent} onChange={(ev) => setStep(i, { maxConcurrent: num(ev.target.value) })} />
                </div>
                <div className="space-y-1.5">
                  <Label htmlFor={`step-${i}-approvals`}>Approvals before it starts</Label>
                  <Input id={`step-${i}-approvals`} type="number" min={0} max={10} value={Number.isNaN(s.approvalsRequired) ? "" : s.approvalsRequired} onChange={(ev) => setStep(i, { approvalsRequired: num(ev.target.value) })} />
                </div>
              </div>
            </li>
          ))}
        </ol>
        <Button variant="secondary" size="sm" disabled={e.steps.length >= 50} onClick={() => setE((x) => ({ ...x, steps: [...x.steps, blankStep(lastStage)] }))}>Add step</Button>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Windows <span className="font-normal text-slate-500">— automatic moves only inside them, in the plan&apos;s time zone; none means any time</span></legend>
        {e.windows.map((w, i) => (
          <div key={i} className="flex flex-wrap items-end gap-3 rounded-lg bg-white p-3 ring-1 ring-slate-200" data-testid="plan-editor-window">
            <div role="group" aria-label={`Window ${i + 1} days`} className="flex flex-wrap gap-1">
              {WEEKDAYS.map((d, k) => (
                <label key={d} className="flex items-center gap-1 rounded-md px-1.5 py-1 text-xs text-slate-700 ring-1 ring-slate-200">
                  <input type="checkbox" checked={w.days.includes(k + 1)}
                    onChange={(ev) => setWindow(i, { days: ev.target.checked ? [...w.days, k + 1].sort() : w.days.filter((x) => x !== k + 1) })} />
                  {d}
                </label>
              ))}
            </div>
            <div className="space-y-1.5">
              <Label htmlFor={`window-${i}-from`}>From</Label>
              <Input id={`window-${i}-from`} type="time" value={w.from} onChange={(ev) => setWindow(i, { from: ev.target.value })} />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor={`window-${i}-to`}>To</Label>
              <Input id={`window-${i}-to`} type="time" value={w.to === "24:00" ? "23:59" : w.to} onChange={(ev) => setWindow(i, { to: ev.target.value })} />
            </div>
            <Button variant="ghost" size="sm" aria-label={`Remove window ${i + 1}`} onClick={() => setE((x) => ({ ...x, windows: x.windows.filter((_, j) => j !== i) }))}>Remove</Button>
          </div>
        ))}
        <Button variant="secondary" size="sm" onClick={() => setE((x) => ({ ...x, windows: [...x.windows, { days: [1, 2, 3, 4, 5], from: "09:00", to: "17:00" }] }))}>Add window</Button>
      </fieldset>

      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Freezes <span className="font-normal text-slate-500">— no automatic move at all (your local time); admins may still move by hand</span></legend>
        {e.freezes.map((f, i) => (
          <div key={i} className="grid gap-3 rounded-lg bg-white p-3 ring-1 ring-slate-200 sm:grid-cols-[1fr_1fr_2fr_auto] sm:items-end" data-testid="plan-editor-freeze">
            <div className="space-y-1.5">
              <Label htmlFor={`freeze-${i}-from`}>From</Label>
              <Input id={`freeze-${i}-from`} type="datetime-local" value={f.from} onChange={(ev) => setFreeze(i, { from: ev.target.value })} />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor={`freeze-${i}-to`}>To</Label>
              <Input id={`freeze-${i}-to`} type="datetime-local" value={f.to} onChange={(ev) => setFreeze(i, { to: ev.target.value })} />
            </div>
            <div className="space-y-1.5">
              <Label htmlFor={`freeze-${i}-reason`}>Reason</Label>
              <Input id={`freeze-${i}-reason`} value={f.reason} maxLength={200} onChange={(ev) => setFreeze(i, { reason: ev.target.value })} placeholder="e.g. end-of-quarter close" />
            </div>
            <Button variant="ghost" size="sm" aria-label={`Remove freeze ${i + 1}`} onClick={() => setE((x) => ({ ...x, freezes: x.freezes.filter((_, j) => j !== i) }))}>Remove</Button>
          </div>
        ))}
        <Button variant="secondary" size="sm" disabled={e.freezes.length >= 20} onClick={() => setE((x) => ({ ...x, freezes: [...x.freezes, { from: "", to: "", reason: "" }] }))}>Add freeze</Button>
      </fieldset>

      {problem ? <p className="text-sm text-amber-800" data-testid="plan-editor-problem">{problem}</p> : null}
      {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
      <div className="flex flex-wrap gap-2">
        <Button type="submit" disabled={pending || problem !== null}>{pending ? "Creating…" : "Create draft plan"}</Button>
        <Button variant="secondary" disabled={pending || problem !== null} onClick={() => submit(true)}>Create and start</Button>
        <Button variant="ghost" disabled={pending} onClick={() => setOpen(false)}>Cancel</Button>
      </div>
    </form>
  );
}
