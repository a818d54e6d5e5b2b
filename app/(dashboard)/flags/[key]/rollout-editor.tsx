"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { inRollout } from "@/lib/flags/hash";
import { setRollout } from "../actions";

type Ws = { id: string; slug: string; fixed: string | null };

/**
 * Enable/disable and the percentage, with a live preview computed in the
 * browser with the same sticky hash as the database: which workspaces switch
 * on or off (workspace id as the unit) and what share of units is affected.
 */
export function RolloutEditor(props: { flagKey: string; version: string; enabled: boolean; rolloutBps: number; killed: boolean; workspaces: Ws[]; canOperate: boolean }) {
  const router = useRouter();
  const [enabled, setEnabled] = useState(props.enabled);
  const [percent, setPercent] = useState(String(props.rolloutBps / 100));
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [pending, start] = useTransition();
  const bps = Math.round(Number(percent) * 100);
  const valid = percent.trim() !== "" && Number.isFinite(bps) && bps >= 0 && bps <= 10_000 && Math.abs(Number(percent) * 100 - bps) < 1e-6;

  const preview = useMemo(() => {
    const onAt = (en: boolean, b: number) => (w: Ws) => !props.killed && (w.fixed === "override_on" || (w.fixed === null && en && inRollout(props.flagKey, w.id, b)));
    const before = props.workspaces.filter(onAt(props.enabled, props.rolloutBps));
    const after = valid ? props.workspaces.filter(onAt(enabled, bps)) : before;
    const beforeIds = new Set(before.map((w) => w.id));
    const afterIds = new Set(after.map((w) => w.id));
    const eligible = props.workspaces.filter((w) => w.fixed === null).length;
    const unitsBefore = props.enabled ? props.rolloutBps : 0;
    const unitsAfter = enabled && valid ? bps : 0;
    return {
      before: before.length,
      after: after.length,
      turningOn: after.filter((w) => !beforeIds.has(w.id)).map((w) => w.slug),
      turningOff: before.filter((w) => !afterIds.has(w.id)).map((w) => w.slug),
      eligible,
      unitDelta: (unitsAfter - unitsBefore) / 100,
    };
  }, [props, enabled, bps, valid]);

  const changed = enabled !== props.enabled || (valid && bps !== props.rolloutBps);
  return (
    <form className="space-y-4" onSubmit={(e) => {
      e.preventDefault();
      setError(null);
      setSaved(false);
      start(async () => {
        const r = await setRollout({ key: props.flagKey, version: props.version, enabled, rolloutBps: bps, reason });
        if ("error" in r) return setError(r.error);
        setSaved(true);
        setReason("");
        router.refresh();
      });
    }}>
      <div className="flex flex-wrap items-end gap-6">
        <label className="flex items-center gap-2 text-sm font-medium text-slate-700">
          <input type="checkbox" className="size-4 rounded border-slate-300 text-brand-600" checked={enabled} disabled={!props.canOperate} onChange={(e) => setEnabled(e.target.checked)} />
          Enabled
        </label>
        <div className="space-y-1.5">
          <Label htmlFor="rollout-percent">Rollout (% of units)</Label>
          <Input id="rollout-percent" type="number" min={0} max={100} step={0.01} value={percent} disabled={!props.canOperate} onChange={(e) => setPercent(e.target.value)} className="w-36" aria-invalid={!valid} />
        </div>
        <div className="min-w-64 flex-1 space-y-1.5">
          <Label htmlFor="rollout-reason">Reason (recorded in the history)</Label>
          <Input id="rollout-reason" value={reason} disabled={!props.canOperate} onChange={(e) => setReason(e.target.value)} placeholder="e.g. error rate flat for 24 h" />
        </div>
      </div>
      {!valid ? <p className="text-sm text-rose-700">Enter a percentage from 0 to 100 in steps of 0.01.</p> : null}

      <div className="rounded-lg bg-slate-50 px-4 py-3 text-sm text-slate-700 ring-1 ring-slate-200" data-testid="rollout-preview" aria-live="polite">
        <p className="font-medium text-slate-900">Preview</p>
        <p className="mt-1">
          On for <strong>{preview.before}</strong> → <strong>{preview.after}</strong> of {props.workspaces.length} workspaces
          {" "}({preview.eligible} where the percentage decides; the rest are fixed by the stage link, an override or the kill switch).
        </p>
        <p className="mt-1">
          Units inside eligible workspaces: {preview.unitDelta === 0 ? "no change" : `${preview.unitDelta > 0 ? "+" : ""}${preview.unitDelta.toLocaleString("en-US", { maximumFractionDigits: 2 })} percentage points`}
          {preview.unitDelta > 0 ? " (only adds units: nobody who has it loses it)" : preview.unitDelta < 0 ? " (only removes units)" : ""}.
        </p>
        {preview.turningOn.length > 0 ? <p className="mt-1 text-emerald-700">Turns on: <span className="font-mono">{preview.turningOn.slice(0, 12).join(", ")}{preview.turningOn.length > 12 ? ` +${preview.turningOn.length - 12}` : ""}</span></p> : null}
        {preview.turningOff.length > 0 ? <p className="mt-1 text-rose-700">Turns off: <span className="font-mono">{preview.turningOff.slice(0, 12).join(", ")}{preview.turningOff.length > 12 ? ` +${preview.turningOff.length - 12}` : ""}</span></p> : null}
        {props.killed ? <p className="mt-1 text-rose-700">The kill switch is on: the flag stays off everywhere until it is lifted.</p> : null}
      </div>

      {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
      {saved ? <p role="status" className="text-sm text-emerald-700">Saved. Apps see the change on their next poll.</p> : null}
      <div className="flex justify-end">
        <Button type="submit" disabled={!props.canOperate || pending || !valid || !changed} title={props.canOperate ? undefined : "Viewers cannot change a rollout"}>
          {pending ? "Saving…" : "Save rollout"}
        </Button>
      </div>
    </form>
  );
}
