"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type ReactNode } from "react";
import { Button, type ButtonProps } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { Input, Label, Textarea } from "@/components/ui/input";

type Result<T> = { data: T } | { error: string };

/**
 * A destructive action behind a dialog: the user types `expected` (a key) and a
 * reason; the server checks the typed text again. `run` calls the server action;
 * `doneMessage` turns its result into the line shown afterwards.
 */
export function TypedConfirm<T>(props: {
  label: string;
  title: string;
  explanation: ReactNode;
  expected: string;
  submitLabel: string;
  run: (c: { confirmation: string; reason: string }) => Promise<Result<T>>;
  doneMessage: (data: T) => string;
  disabled?: boolean;
  disabledReason?: string;
  variant?: ButtonProps["variant"];
  submitVariant?: ButtonProps["variant"];
  size?: ButtonProps["size"];
  redirectTo?: string;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [confirmation, setConfirmation] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const id = props.expected.replace(/\W+/g, "-");
  return (
    <div className="flex items-center gap-3">
      <Button variant={props.variant ?? "danger"} size={props.size} disabled={props.disabled} title={props.disabled ? props.disabledReason : undefined}
        onClick={() => { setOpen(true); setError(null); setConfirmation(""); }}>
        {props.label}
      </Button>
      {done ? <span role="status" className={props.submitVariant === "primary" ? "text-sm text-emerald-700" : "text-sm text-rose-700"}>{done}</span> : null}
      <Dialog open={open} onClose={() => setOpen(false)} title={props.title}>
        <form className="space-y-4" onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          start(async () => {
            const r = await props.run({ confirmation, reason });
            if ("error" in r) return setError(r.error);
            setOpen(false);
            setDone(props.doneMessage(r.data));
            if (props.redirectTo) router.push(props.redirectTo);
            router.refresh();
          });
        }}>
          <p className="text-sm text-slate-600">{props.explanation}</p>
          <div className="space-y-1.5">
            <Label htmlFor={`reason-${id}`}>Reason</Label>
            <Textarea id={`reason-${id}`} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <div className="space-y-1.5">
            <Label htmlFor={`confirm-${id}`}>Type <span className="font-mono">{props.expected}</span> to confirm</Label>
            <Input id={`confirm-${id}`} value={confirmation} onChange={(e) => setConfirmation(e.target.value)} autoComplete="off" />
          </div>
          {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
          <div className="flex justify-end gap-2">
            <Button variant="secondary" onClick={() => setOpen(false)}>Cancel</Button>
            <Button type="submit" variant={props.submitVariant ?? "danger"} disabled={pending || confirmation !== props.expected}>{pending ? "Working…" : props.submitLabel}</Button>
          </div>
        </form>
      </Dialog>
    </div>
  );
}
