"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { GateChecklist } from "@/components/rollout/gate-checklist";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Label, Select, Textarea } from "@/components/ui/input";
import type { GateReport, StageRow } from "@/lib/rollouts/types";
import { advanceWorkspace, rollbackWorkspace, setWorkspacePaused } from "./actions";
import { useGate } from "./use-gate";

interface Props {
  workspace: string;
  migration: string;
  stage: number;
  version: string;
  status: string;
  stages: StageRow[];
  canOperate: boolean;
  canOverride: boolean;
}

type Mode = null | "advance" | "rollback" | "pause";

export function RolloutControls(p: Props) {
  const router = useRouter();
  const [mode, setMode] = useState<Mode>(null);
  const [reason, setReason] = useState("");
  const [toStage, setToStage] = useState(Math.max(0, p.stage - 1));
  const [override, setOverride] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [failed, setFailed] = useState<GateReport | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const last = p.stages.length - 1;
  const next = p.stages.find((s) => s.position === p.stage + 1);
  const paused = p.status === "paused";
  const disabledWhy = p.canOperate ? undefined : "Viewers can watch but not change rollouts";
  // The Advance button shows the live gate: solid when it passes, outlined when it fails.
  const gate = useGate(p.workspace, p.migration, p.version).data?.report ?? null;
  const gateState = p.stage >= last ? "last" : gate === null ? "unknown" : gate.passed ? "passes" : "fails";

  function open(m: Mode) {
    setMode(m);
    setReason("");
    setError(null);
    setFailed(null);
    setOverride(false);
    setToStage(Math.max(0, p.stage - 1));
  }

  function submit() {
    setError(null);
    start(async () => {
      if (mode === "advance") {
        const r = await advanceWorkspace({ workspace: p.workspace, migration: p.migration, expectedStage: p.stage, expectedVersion: p.version, reason, override });
        if ("error" in r) return setError(r.error);
        if (!r.data.ok) {
          setFailed(r.data.report ?? null);
          return setError(r.data.message ?? "Gate failed");
        }
        setNotice(`Advanced to ${r.data.to_stage} · ${p.stages.find((s) => s.position === r.data.to_stage)?.name}${r.data.kind === "override" ? " (gate overridden)" : ""}.`);
      } else if (mode === "rollback") {
        const r = await rollbackWorkspace({ workspace: p.workspace, migration: p.migration, toStage, expectedStage: p.stage, expectedVersion: p.version, reason });
        if ("error" in r) return setError(r.error);
        setNotice(`Rolled back to ${toStage} · ${p.stages.find((s) => s.position === toStage)?.name}.`);
      } else if (mode === "pause") {
        const r = await setWorkspacePaused({ workspace: p.workspace, migration: p.migration, paused: !paused, reason });
        if ("error" in r) return setError(r.error);
        setNotice(paused ? "Resumed." : "Paused: guardrails keep watching, nobody can advance it until it is resumed.");
      }
      setMode(null);
      router.refresh();
    });
  }

  return (
    <div className="space-y-3">
      <div className="flex flex-wrap gap-2">
        <Button
          onClick={() => open("advance")}
          variant={gateState === "fails" ? "secondary" : "primary"}
          data-gate={gateState}
          disabled={!p.canOperate || p.stage >= last || paused}
          title={disabledWhy ?? (paused ? "Resume the workspace first" : gateState === "fails" ? (p.canOverride ? "The gate fails: you can override it" : "The gate fails: an admin can override it") : undefined)}
        >
          {p.stage >= last ? "At last stage" : `Advance to ${next?.name ?? "next stage"}`}
          {gateState === "fails" ? <span className="ml-1 rounded bg-rose-100 px-1.5 text-xs font-semibold text-rose-700">gate fails</span> : null}
          {gateState === "passes" ? <span className="ml-1 rounded bg-white/20 px-1.5 text-xs font-semibold">gate passes</span> : null}
        </Button>
        <Button variant="secondary" onClick={() => open("rollback")} disabled={!p.canOperate || p.stage === 0} title={disabledWhy}>
          Roll back…
        </Button>
        <Button variant="ghost" onClick={() => open("pause")} disabled={!p.canOperate} title={disabledWhy}>
          {paused ? "Resume" : "Pause"}
        </Button>
      </div>
      {!p.canOperate ? <p className="text-xs text-slate-500">You have read-only access (viewer).</p> : null}
      {notice ? <p role="status" className="rounded-md bg-emerald-50 px-3 py-2 text-sm text-emerald-800 ring-1 ring-emerald-200">{notice}</p> : null}

      <Dialog
        open={mode !== null}
        onClose={() => setMode(null)}
        title={mode === "advance" ? `Advance to ${p.stage + 1} · ${next?.name ?? ""}` : mode === "rollback" ? "Roll back" : paused ? "Resume workspace" : "Pause workspace"}
      >
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          {mode === "advance" ? (
            <p className="text-sm text-slate-600">The gate for <strong>{next?.name}</strong> is checked again when you confirm. {next?.description}</p>
          ) : null}
          {mode === "rollback" ? (
            <div className="space-y-1.5">
              <Label htmlFor="to-stage">Roll back to</Label>
              <Select id="to-stage" value={toStage} onChange={(e) => setToStage(Number(e.target.value))}>
                {p.stages.filter((s) => s.position < p.stage).map((s) => (
                  <option key={s.position} value={s.position}>{s.position} · {s.name}</option>
                ))}
              </Select>
            </div>
          ) : null}
          <div className="space-y-1.5">
            <Label htmlFor="reason">Reason {mode === "advance" && !override ? "(optional)" : ""}</Label>
            <Textarea id="reason" rows={3} value={reason} onChange={(e) => setReason(e.target.value)} placeholder={mode === "rollback" ? "What went wrong?" : "Why now?"} />
          </div>
          {mode === "advance" && failed ? (
            <div className="rounded-lg bg-rose-50/60 px-3 py-1 ring-1 ring-rose-200">
              <GateChecklist report={failed} />
            </div>
          ) : null}
          {mode === "advance" && failed && !p.canOverride ? (
            <p className="text-sm text-slate-600" data-testid="override-hint">Only an admin can override a failed gate; ask one with your reason, or wait for the checks above.</p>
          ) : null}
          {mode === "advance" && failed && p.canOverride ? (
            <label className="flex items-start gap-2 text-sm text-slate-700">
              <input type="checkbox" className="mt-0.5" checked={override} onChange={(e) => setOverride(e.target.checked)} />
              <span>Override the failed gate (admin). The override and your reason are recorded in the audit log.</span>
            </label>
          ) : null}
          {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setMode(null)}>Cancel</Button>
            <Button type="submit" variant={mode === "rollback" ? "danger" : "primary"} disabled={pending}>
              {pending ? "Working…" : mode === "advance" ? (override ? "Override and advance" : "Advance") : mode === "rollback" ? "Roll back" : paused ? "Resume" : "Pause"}
            </Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
