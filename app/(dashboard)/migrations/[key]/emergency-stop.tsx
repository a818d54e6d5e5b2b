"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label, Textarea } from "@/components/ui/input";
import { emergencyStop } from "./actions";

/** Every workspace of the migration back to stage 0, paused, its flags killed; typed confirmation. */
export function EmergencyStop({ migration, name, canOperate }: { migration: string; name: string; canOperate: boolean }) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [confirmation, setConfirmation] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <>
      <Button variant="danger" onClick={() => { setOpen(true); setError(null); setConfirmation(""); }} disabled={!canOperate} title={canOperate ? undefined : "Viewers cannot stop a migration"}>
        Emergency stop
      </Button>
      {done ? <p role="status" className="mt-2 text-sm text-rose-700">{done}</p> : null}
      <Dialog open={open} onClose={() => setOpen(false)} title={`Emergency stop: ${name}`}>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            setError(null);
            start(async () => {
              const r = await emergencyStop({ migration, confirmation, reason });
              if ("error" in r) return setError(r.error);
              setDone(`Stopped: ${r.data.workspaces} workspaces sent to stage 0 and paused; the migration's flags are killed.`);
              setOpen(false);
              router.refresh();
            });
          }}
        >
          <p className="text-sm text-slate-600">
            Every workspace in this migration goes back to stage 0 and is paused, and the migration&apos;s flags are switched off — in one transaction. Each move is recorded.
          </p>
          <div className="space-y-1.5">
            <Label htmlFor="stop-reason">Reason</Label>
            <Textarea id="stop-reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <div className="space-y-1.5">
            <Label htmlFor="stop-confirm">Type <span className="font-mono">{migration}</span> to confirm</Label>
            <Input id="stop-confirm" value={confirmation} onChange={(e) => setConfirmation(e.target.value)} autoComplete="off" />
          </div>
          {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>Cancel</Button>
            <Button type="submit" variant="danger" disabled={pending || confirmation !== migration}>{pending ? "Stopping…" : "Stop everything"}</Button>
          </div>
        </form>
      </Dialog>
    </>
  );
}
