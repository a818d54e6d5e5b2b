"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Label, Textarea } from "@/components/ui/input";
import { acknowledgeAlert, resolveAlert } from "./actions";

export function AlertActions({ alertId, state, canOperate }: { alertId: string; state: string; canOperate: boolean }) {
  const router = useRouter();
  const [mode, setMode] = useState<null | "ack" | "resolve">(null);
  const [note, setNote] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  if (state === "resolved") return null;
  const title = mode === "ack" ? "Acknowledge alert" : "Resolve alert";
  return (
    <div className="flex gap-1.5">
      {state === "open" ? (
        <Button size="sm" variant="secondary" disabled={!canOperate} title={canOperate ? undefined : "Viewers cannot change alerts"} onClick={() => { setMode("ack"); setNote(""); setError(null); }}>
          Acknowledge
        </Button>
      ) : null}
      <Button size="sm" variant="secondary" disabled={!canOperate} title={canOperate ? undefined : "Viewers cannot change alerts"} onClick={() => { setMode("resolve"); setNote(""); setError(null); }}>
        Resolve
      </Button>
      <Dialog open={mode !== null} onClose={() => setMode(null)} title={title}>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            start(async () => {
              const r = mode === "ack" ? await acknowledgeAlert({ alertId, note }) : await resolveAlert({ alertId, note });
              if ("error" in r) return setError(r.error);
              setMode(null);
              router.refresh();
            });
          }}
        >
          <div className="space-y-1.5">
            <Label htmlFor={`note-${alertId}`}>{mode === "ack" ? "Note (optional)" : "What was done?"}</Label>
            <Textarea id={`note-${alertId}`} rows={3} value={note} onChange={(e) => setNote(e.target.value)} />
          </div>
          {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setMode(null)}>Cancel</Button>
            <Button type="submit" disabled={pending}>{pending ? "Saving…" : mode === "ack" ? "Acknowledge" : "Resolve"}</Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
