"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/input";
import { restoreFlag, setOverride } from "../actions";

/** Force the flag on or off for one workspace, or clear that. */
export function OverrideForm({ flagKey, workspaces }: { flagKey: string; workspaces: { slug: string; name: string }[] }) {
  const router = useRouter();
  const [workspace, setWorkspace] = useState(workspaces[0]?.slug ?? "");
  const [value, setValue] = useState("off");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <form className="flex flex-wrap items-end gap-3" onSubmit={(e) => {
      e.preventDefault();
      setError(null);
      start(async () => {
        const r = await setOverride({ key: flagKey, workspace, value: value === "clear" ? null : value === "on", reason });
        if ("error" in r) return setError(r.error);
        setReason("");
        router.refresh();
      });
    }}>
      <div className="space-y-1.5">
        <Label htmlFor="ovr-ws">Workspace</Label>
        <Select id="ovr-ws" value={workspace} onChange={(e) => setWorkspace(e.target.value)} className="w-56">
          {workspaces.map((w) => <option key={w.slug} value={w.slug}>{w.name}</option>)}
        </Select>
      </div>
      <div className="space-y-1.5">
        <Label htmlFor="ovr-value">Value</Label>
        <Select id="ovr-value" value={value} onChange={(e) => setValue(e.target.value)} className="w-40">
          <option value="off">Force off</option>
          <option value="on">Force on</option>
          <option value="clear">Clear override</option>
        </Select>
      </div>
      <div className="min-w-48 flex-1 space-y-1.5">
        <Label htmlFor="ovr-reason">Reason</Label>
        <Input id="ovr-reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      </div>
      <Button type="submit" variant="secondary" disabled={pending}>{pending ? "Saving…" : "Apply"}</Button>
      {error ? <p role="alert" className="w-full text-sm text-rose-700">{error}</p> : null}
    </form>
  );
}

/** Lifts the kill switch (the flag then follows its settings again). */
export function RestoreButton({ flagKey }: { flagKey: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <>
      <Button variant="secondary" size="sm" disabled={pending} onClick={() => start(async () => {
        const r = await restoreFlag({ key: flagKey, reason: "Kill switch lifted" });
        if ("error" in r) return setError(r.error);
        router.refresh();
      })}>
        {pending ? "Lifting…" : "Lift kill switch"}
      </Button>
      {error ? <span role="alert" className="text-sm text-rose-700">{error}</span> : null}
    </>
  );
}
