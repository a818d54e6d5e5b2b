"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { BulkProgressLine, useBulkProgress } from "@/components/rollout/bulk-progress";
import { StatusBadge } from "@/components/rollout/stage-badge";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import type { SelectedResult } from "@/lib/rollouts/transitions";
import { applySelected, previewSelected } from "./actions";

export interface Row {
  workspaceId: string;
  slug: string;
  name: string;
  isCanary: boolean;
  stage: number;
  status: string;
  enteredAt: string;
  openAlerts: number;
  criticalAlerts: number;
}

function Health({ r }: { r: Row }) {
  if (r.criticalAlerts > 0) return <Badge tone="red">{r.criticalAlerts} critical alert{r.criticalAlerts > 1 ? "s" : ""}</Badge>;
  if (r.openAlerts > 0) return <Badge tone="amber">{r.openAlerts} open alert{r.openAlerts > 1 ? "s" : ""}</Badge>;
  if (r.status === "paused") return <Badge tone="amber">paused</Badge>;
  return <Badge tone="green">healthy</Badge>;
}

/** Workspaces in wave order; select some and advance them one stage each, behind their gates. */
export function WorkspaceTable({ migration, rows, offset = 0, stageNames, canOperate }: { migration: string; rows: Row[]; offset?: number; stageNames: string[]; canOperate: boolean }) {
  const router = useRouter();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [result, setResult] = useState<SelectedResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const [running, setRunning] = useState<"preview" | "apply" | null>(null);
  const bulk = useBulkProgress();
  const toggle = (id: string) => setSelected((s) => { const n = new Set(s); if (n.has(id)) n.delete(id); else n.add(id); return n; });
  const ids = [...selected];
  const run = (apply: boolean) => {
    setError(null);
    // Outside the transition: its own updates only show once the action answers.
    setRunning(apply ? "apply" : "preview");
    const progress = bulk.begin();
    start(() => go(apply, progress));
  };
  const go = async (apply: boolean, progress: string) => {
    const input = { migration, workspaceIds: ids, reason: "", progress };
    const r = await (apply ? applySelected(input) : previewSelected(input)).finally(() => {
      bulk.end();
      setRunning(null);
    });
    if ("error" in r) return setError(r.error);
    setResult(r.data);
    if (apply) { setSelected(new Set()); router.refresh(); }
  };
  return (
    <>
      <div className="flex flex-wrap items-center gap-2 border-b border-slate-100 px-5 py-3 text-sm">
        <span className="text-slate-600">{selected.size} selected</span>
        <Button size="sm" variant="secondary" disabled={selected.size === 0 || pending} onClick={() => run(false)}>Preview advance</Button>
        <Button size="sm" disabled={selected.size === 0 || pending || !canOperate || !result?.dry_run} title={!canOperate ? "Viewers cannot advance workspaces" : undefined} onClick={() => run(true)}>
          Advance selected one stage
        </Button>
        {selected.size > 0 ? <button type="button" className="text-xs text-slate-500 hover:underline" onClick={() => { setSelected(new Set()); setResult(null); }}>clear</button> : null}
        {error ? <span role="alert" className="text-rose-700">{error}</span> : null}
      </div>
      {running ? <div className="border-b border-slate-100 px-5 py-3"><BulkProgressLine progress={bulk.progress} dryRun={running === "preview"} /></div> : null}
      {result ? (
        <div className="border-b border-slate-100 bg-slate-50 px-5 py-3 text-sm" data-testid={result.dry_run ? "selected-preview" : "selected-result"}>
          <p className="text-slate-700">{result.dry_run ? "Preview" : "Done"}: {result.moved.length} {result.dry_run ? "would move" : "moved"}, {result.failed.length} fail their gate, {result.skipped.length} skipped.</p>
          <ul className="mt-1 space-y-0.5 text-xs">
            {result.moved.map((w) => <li key={w.workspace_id}><Badge tone="green">{result.dry_run ? "moves" : "moved"}</Badge> {w.name}: {w.from_stage} → {w.to_stage}</li>)}
            {result.failed.map((w) => <li key={w.workspace_id}><Badge tone="red">gate fails</Badge> {w.name} — {w.message}</li>)}
            {result.skipped.map((w) => <li key={w.workspace_id}><Badge tone="amber">skipped</Badge> {w.name} ({w.reason})</li>)}
          </ul>
        </div>
      ) : null}
      <Table>
        <thead>
          <tr>
            <Th className="w-8"><span className="sr-only">Select</span></Th>
            <Th>#</Th><Th>Workspace</Th><Th>Stage</Th><Th>Status</Th><Th>Health</Th><Th>In stage since</Th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((w, i) => (
            <tr key={w.workspaceId} data-testid="migration-workspace" className={selected.has(w.workspaceId) ? "bg-brand-50/40" : undefined}>
              <Td><input type="checkbox" aria-label={`Select ${w.name}`} checked={selected.has(w.workspaceId)} onChange={() => { toggle(w.workspaceId); setResult(null); }} /></Td>
              <Td className="font-mono text-xs text-slate-500">{offset + i + 1}</Td>
              <Td>
                <Link href={`/workspaces/${w.slug}?m=${migration}`} className="font-medium text-slate-900 hover:text-brand-700">{w.name}</Link>
                {w.isCanary ? <Badge tone="violet" className="ml-2">canary</Badge> : null}
              </Td>
              <Td><span className="font-mono text-xs text-slate-500">{w.stage}</span> {stageNames[w.stage]}</Td>
              <Td><StatusBadge status={w.status} /></Td>
              <Td><Health r={w} /></Td>
              <Td className="text-slate-500"><RelativeTime date={w.enteredAt} /></Td>
            </tr>
          ))}
        </tbody>
      </Table>
    </>
  );
}
