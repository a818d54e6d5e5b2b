"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label, Select } from "@/components/ui/input";
import { ACTIONS, STATISTICS } from "@/lib/guardrails/schemas";
import { deleteRule, saveRule } from "./actions";

export interface RuleFormValue {
  id: string | null;
  name: string;
  description: string;
  migrationKey: string | null;
  statistic: (typeof STATISTICS)[number];
  metric: string | null;
  comparison: "absolute" | "ratio" | "difference";
  operator: ">" | ">=" | "<" | "<=";
  threshold: number;
  absoluteGuard: number | null;
  windowMinutes: number;
  minSamples: number;
  severity: "warning" | "critical";
  action: (typeof ACTIONS)[number];
  test: "sequential" | "fixed";
  alpha: number | null;
  dryRun: boolean;
  enabled: boolean;
}

const ACTION_LABEL: Record<string, string> = { alert: "Alert only", hold: "Hold: pause the workspace", rollback_previous: "Roll back one stage", rollback_zero: "Roll back to stage 0", disable_flags: "Disable the migration's flags" };

export function RuleEditor({ value, migrations, label }: { value: RuleFormValue; migrations: { key: string; name: string }[]; label: string }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [v, setV] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const set = <K extends keyof RuleFormValue>(k: K, x: RuleFormValue[K]) => setV((p) => ({ ...p, [k]: x }));
  const idp = `rule-${value.id ?? "new"}`;
  return (
    <>
      <Button size="sm" variant={value.id ? "secondary" : "primary"} onClick={() => { setV(value); setError(null); setOpen(true); }}>{label}</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title={value.id ? `Edit rule: ${value.name}` : "New guardrail rule"}>
        <form
          className="grid grid-cols-2 gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            start(async () => {
              const { id, ...rule } = v;
              const r = await saveRule({ id, rule });
              if ("error" in r) return setError(r.error);
              setOpen(false);
              router.refresh();
            });
          }}
        >
          <div className="col-span-2 space-y-1"><Label htmlFor={`${idp}-name`}>Name</Label><Input id={`${idp}-name`} value={v.name} onChange={(e) => set("name", e.target.value)} /></div>
          <div className="space-y-1">
            <Label htmlFor={`${idp}-stat`}>Statistic of the new variant</Label>
            <Select id={`${idp}-stat`} value={v.statistic} onChange={(e) => set("statistic", e.target.value as RuleFormValue["statistic"])}>
              {STATISTICS.map((s) => <option key={s} value={s}>{s.replace(/_/g, " ")}</option>)}
            </Select>
          </div>
          <div className="space-y-1"><Label htmlFor={`${idp}-metric`}>Custom metric</Label><Input id={`${idp}-metric`} value={v.metric ?? ""} disabled={v.statistic !== "metric_mean"} onChange={(e) => set("metric", e.target.value || null)} placeholder="e.g. quality" /></div>
          <div className="space-y-1">
            <Label htmlFor={`${idp}-cmp`}>Compared</Label>
            <Select id={`${idp}-cmp`} value={v.comparison} onChange={(e) => set("comparison", e.target.value as RuleFormValue["comparison"])}>
              <option value="ratio">new / old (baseline)</option>
              <option value="difference">new − old (baseline)</option>
              <option value="absolute">new, absolute</option>
            </Select>
          </div>
          <div className="grid grid-cols-2 gap-2">
            <div className="space-y-1">
              <Label htmlFor={`${idp}-op`}>Breach when</Label>
              <Select id={`${idp}-op`} value={v.operator} onChange={(e) => set("operator", e.target.value as RuleFormValue["operator"])}>
                {[">", ">=", "<", "<="].map((o) => <option key={o}>{o}</option>)}
              </Select>
            </div>
            <div className="space-y-1"><Label htmlFor={`${idp}-thr`}>Threshold</Label><Input id={`${idp}-thr`} type="number" step="any" value={v.threshold} onChange={(e) => set("threshold", Number(e.target.value))} /></div>
          </div>
          <div className="space-y-1"><Label htmlFor={`${idp}-guard`}>…and new beyond (optional)</Label><Input id={`${idp}-guard`} type="number" step="any" value={v.absoluteGuard ?? ""} onChange={(e) => set("absoluteGuard", e.target.value === "" ? null : Number(e.target.value))} /></div>
          <div className="grid grid-cols-2 gap-2">
            <div className="space-y-1"><Label htmlFor={`${idp}-win`}>Window (min)</Label><Input id={`${idp}-win`} type="number" value={v.windowMinutes} onChange={(e) => set("windowMinutes", Number(e.target.value))} /></div>
            <div className="space-y-1"><Label htmlFor={`${idp}-min`}>Min samples</Label><Input id={`${idp}-min`} type="number" value={v.minSamples} onChange={(e) => set("minSamples", Number(e.target.value))} /></div>
          </div>
          <div className="space-y-1">
            <Label htmlFor={`${idp}-sev`}>Severity</Label>
            <Select id={`${idp}-sev`} value={v.severity} onChange={(e) => set("severity", e.target.value as RuleFormValue["severity"])}><option value="critical">critical</option><option value="warning">warning</option></Select>
          </div>
          <div className="space-y-1">
            <Label htmlFor={`${idp}-act`}>Action</Label>
            <Select id={`${idp}-act`} value={v.action} onChange={(e) => set("action", e.target.value as RuleFormValue["action"])}>{ACTIONS.map((a) => <option key={a} value={a}>{ACTION_LABEL[a]}</option>)}</Select>
          </div>
          <div className="space-y-1">
            <Label htmlFor={`${idp}-mig`}>Scope</Label>
            <Select id={`${idp}-mig`} value={v.migrationKey ?? ""} onChange={(e) => set("migrationKey", e.target.value || null)}>
              <option value="">All migrations</option>
              {migrations.map((m) => <option key={m.key} value={m.key}>{m.name}</option>)}
            </Select>
          </div>
          <div className="space-y-1">
            <Label htmlFor={`${idp}-test`}>Decision</Label>
            <Select id={`${idp}-test`} value={v.test} onChange={(e) => set("test", e.target.value as RuleFormValue["test"])}>
              <option value="sequential">Sequential test (valid under continuous evaluation)</option>
              <option value="fixed">Fixed limit on the point estimate</option>
            </Select>
          </div>
          <label className="flex items-center gap-2 self-end text-sm text-slate-700"><input type="checkbox" checked={v.dryRun} onChange={(e) => set("dryRun", e.target.checked)} /> Dry run: record what it would do</label>
          <label className="col-span-2 flex items-center gap-2 text-sm text-slate-700"><input type="checkbox" checked={v.enabled} onChange={(e) => set("enabled", e.target.checked)} /> Enabled</label>
          {error ? <p role="alert" className="col-span-2 rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
          <div className="col-span-2 flex justify-between gap-2">
            {value.id ? (
              <Button variant="ghost" className="text-rose-700" onClick={() => start(async () => { const r = await deleteRule({ id: value.id! }); if ("error" in r) return setError(r.error); setOpen(false); router.refresh(); })}>Delete rule</Button>
            ) : <span />}
            <div className="flex gap-2">
              <Button variant="secondary" onClick={() => setOpen(false)}>Cancel</Button>
              <Button type="submit" disabled={pending}>{pending ? "Saving…" : "Save rule"}</Button>
            </div>
          </div>
        </form>
      </Dialog>
    </>
  );
}
