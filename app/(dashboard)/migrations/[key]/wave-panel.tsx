"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/input";
import { BulkProgressLine, useBulkProgress } from "@/components/rollout/bulk-progress";
import type { WaveResult } from "@/lib/rollouts/types";
import { applyWave, previewWave } from "./actions";

const STEPS = [1, 10, 25, 50, 100];

/** Advance a wave: pick the stage and a percentage, preview exactly who moves, then apply. */
export function WavePanel({ migration, stages, counts, canOperate }: { migration: string; stages: { position: number; name: string }[]; counts: Record<number, number>; canOperate: boolean }) {
  const router = useRouter();
  const firstWithWorkspaces = stages.find((s) => s.position < stages.length - 1 && (counts[s.position] ?? 0) > 0)?.position ?? 0;
  const [fromStage, setFromStage] = useState(firstWithWorkspaces);
  const [percent, setPercent] = useState(10);
  const [reason, setReason] = useState("");
  const [preview, setPreview] = useState<WaveResult | null>(null);
  const [applied, setApplied] = useState<WaveResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const [running, setRunning] = useState<"preview" | "apply" | null>(null);
  const bulk = useBulkProgress();
  const next = stages.find((s) => s.position === fromStage + 1);
  // The wave's population: workspaces at the stage or beyond; "N %" = that share should be past it.
  const population = stages.filter((s) => s.position >= fromStage).reduce((n, s) => n + (counts[s.position] ?? 0), 0);
  const past = stages.filter((s) => s.position > fromStage).reduce((n, s) => n + (counts[s.position] ?? 0), 0);
  const pastShare = population > 0 ? (100 * past) / population : 0;
  const wouldMove = (p: number) => Math.max(0, Math.ceil((population * p) / 100) - past);
  const movesNobody = wouldMove(percent) === 0;

  function run(kind: "preview" | "apply") {
    setError(null);
    // Outside the transition: its own updates only show once the action answers.
    setRunning(kind);
    const progress = bulk.begin();
    start(async () => {
      const input = { migration, fromStage, percent, reason, progress };
      const r = await (kind === "preview" ? previewWave(input) : applyWave(input)).finally(() => {
        bulk.end();
        setRunning(null);
      });
      if ("error" in r) return setError(r.error);
      if (kind === "preview") {
        setPreview(r.data);
        setApplied(null);
      } else {
        setApplied(r.data);
        setPreview(null);
        router.refresh();
      }
    });
  }

  const result = applied ?? preview;
  return (
    <div className="space-y-4">
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="space-y-1.5">
          <Label htmlFor="wave-from">From stage</Label>
          <Select id="wave-from" value={fromStage} onChange={(e) => { setFromStage(Number(e.target.value)); setPreview(null); }}>
            {stages.slice(0, -1).map((s) => (
              <option key={s.position} value={s.position}>{s.position} · {s.name} ({counts[s.position] ?? 0})</option>
            ))}
          </Select>
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="wave-percent">Target share past it (%)</Label>
          <Input id="wave-percent" type="number" min={0.01} max={100} step={0.01} value={percent} onChange={(e) => { setPercent(Number(e.target.value)); setPreview(null); }} />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor="wave-reason">Reason</Label>
          <Input id="wave-reason" value={reason} onChange={(e) => setReason(e.target.value)} placeholder="e.g. day 3 of the plan" />
        </div>
      </div>
      <div className="flex flex-wrap items-center gap-1.5">
        {STEPS.map((p) => {
          const n = wouldMove(p);
          return (
            <button key={p} type="button" onClick={() => { setPercent(p); setPreview(null); }} aria-pressed={percent === p}
              title={n === 0 ? `${p} % are already past stage ${fromStage}: this preset moves nobody` : `moves up to ${n}`}
              className={`rounded-full px-2.5 py-0.5 text-xs ring-1 ${percent === p ? "bg-brand-600 text-white ring-brand-600" : n === 0 ? "text-slate-500 line-through ring-slate-200" : "text-slate-600 ring-slate-300 hover:bg-slate-50"}`}>
              {p} %{n > 0 ? <span className="ml-1 opacity-80">(+{n})</span> : null}
            </button>
          );
        })}
        <span className="ml-2 text-xs text-slate-500">Canaries first, then a fixed order: each wave only adds workspaces.</span>
      </div>
      <div className="space-y-1" data-testid="wave-share">
        <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm text-slate-700">
          <span>
            <strong>{past}</strong> of {population} workspaces at stage {fromStage} or later (<strong>{pastShare.toFixed(0)} %</strong>) are already past it.
          </span>
          {movesNobody ? (
            <span className="text-sm font-medium text-amber-800" role="status" data-testid="wave-moves-nobody">
              {percent} % moves nobody: {pastShare.toFixed(0)} % are already past stage {fromStage}. Pick a larger share.
            </span>
          ) : (
            <span className="text-sm text-slate-600">{percent} % moves up to <strong>{wouldMove(percent)}</strong> (gates permitting).</span>
          )}
        </div>
        <div className="h-2 w-full overflow-hidden rounded-full bg-slate-100" aria-hidden>
          <div className="h-full bg-brand-500" style={{ width: `${pastShare}%` }} />
        </div>
      </div>
      <div className="flex gap-2">
        <Button variant="secondary" onClick={() => run("preview")} disabled={pending || movesNobody}>Preview wave</Button>
        <Button onClick={() => run("apply")} disabled={pending || !canOperate || !preview || movesNobody || (preview?.moved.length ?? 0) === 0}
          title={!canOperate ? "Viewers cannot advance waves" : movesNobody ? "This share is already past the stage" : !preview ? "Preview first" : preview.moved.length === 0 ? "The preview moves nobody" : undefined}>
          {pending ? "Working…" : `Apply: advance to ${next?.name ?? "next stage"}`}
        </Button>
      </div>
      {running ? <BulkProgressLine progress={bulk.progress} dryRun={running === "preview"} /> : null}
      {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
      {result ? (
        <div className="rounded-lg bg-slate-50 p-4 ring-1 ring-slate-200" data-testid={applied ? "wave-result" : "wave-preview"}>
          <p className="text-sm text-slate-700">
            {applied ? "Applied" : "Preview"}: {result.population} workspaces at stage {result.from_stage} or later, {result.already_past} already past it;
            this wave {applied ? "moved" : "would move"} <strong>{result.moved.length}</strong>
            {result.failed.length ? <>, <strong className="text-rose-700">{result.failed.length}</strong> fail their gate</> : null}
            {result.skipped.length ? <>, {result.skipped.length} skipped (paused)</> : null}.
          </p>
          <ul className="mt-3 space-y-1 text-sm">
            {result.moved.map((w) => (
              <li key={w.workspace_id} className="flex items-center gap-2"><Badge tone="green">{applied ? "moved" : "moves"}</Badge>{w.name}{w.is_canary ? <Badge tone="violet">canary</Badge> : null}</li>
            ))}
            {result.failed.map((w) => (
              <li key={w.workspace_id} className="flex items-start gap-2"><Badge tone="red">gate fails</Badge><span>{w.name} <span className="text-xs text-slate-500">— {w.message}</span></span></li>
            ))}
            {result.skipped.map((w) => (
              <li key={w.workspace_id} className="flex items-center gap-2"><Badge tone="amber">skipped</Badge>{w.name} <span className="text-xs text-slate-500">({w.reason})</span></li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
