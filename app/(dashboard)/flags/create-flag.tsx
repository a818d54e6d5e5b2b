"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label, Select, Textarea } from "@/components/ui/input";
import { createFlag } from "./actions";

type Migration = { key: string; name: string; stages: { position: number; name: string }[] };

/** Admins create flags; a new flag starts disabled (off everywhere). */
export function CreateFlag({ migrations }: { migrations: Migration[] }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState("");
  const [description, setDescription] = useState("");
  const [migration, setMigration] = useState("");
  const [minStage, setMinStage] = useState(1);
  const [percent, setPercent] = useState("100");
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const stages = migrations.find((m) => m.key === migration)?.stages ?? [];
  return (
    <>
      <Button onClick={() => { setOpen(true); setError(null); }}>New flag</Button>
      <Dialog open={open} onClose={() => setOpen(false)} title="New flag">
        <form className="space-y-4" onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          const bps = Math.round(Number(percent) * 100);
          start(async () => {
            const r = await createFlag({ key, description, migration: migration || null, minStage: migration ? minStage : null, rolloutBps: Number.isFinite(bps) ? bps : -1 });
            if ("error" in r) return setError(r.error);
            setOpen(false);
            router.push(`/flags/${r.data.key}`);
          });
        }}>
          <div className="space-y-1.5">
            <Label htmlFor="flag-key">Key</Label>
            <Input id="flag-key" value={key} onChange={(e) => setKey(e.target.value)} placeholder="e.g. lead_export_v2" className="font-mono" required />
          </div>
          <div className="space-y-1.5">
            <Label htmlFor="flag-description">Description</Label>
            <Textarea id="flag-description" rows={2} value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          <div className="grid grid-cols-2 gap-3">
            <div className="space-y-1.5">
              <Label htmlFor="flag-migration">Follows migration</Label>
              <Select id="flag-migration" value={migration} onChange={(e) => setMigration(e.target.value)}>
                <option value="">— none —</option>
                {migrations.map((m) => <option key={m.key} value={m.key}>{m.name}</option>)}
              </Select>
            </div>
            <div className="space-y-1.5">
              <Label htmlFor="flag-stage">On from stage</Label>
              <Select id="flag-stage" value={minStage} disabled={!migration} onChange={(e) => setMinStage(Number(e.target.value))}>
                {stages.map((s) => <option key={s.position} value={s.position}>{s.position} · {s.name}</option>)}
              </Select>
            </div>
          </div>
          <div className="space-y-1.5">
            <Label htmlFor="flag-percent">Rollout (% of units, steps of 0.01)</Label>
            <Input id="flag-percent" type="number" min={0} max={100} step={0.01} value={percent} onChange={(e) => setPercent(e.target.value)} className="w-40" />
          </div>
          <p className="text-xs text-slate-500">New flags start disabled: nothing changes for anyone until an operator enables it.</p>
          {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>Cancel</Button>
            <Button type="submit" disabled={pending}>{pending ? "Creating…" : "Create flag"}</Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
