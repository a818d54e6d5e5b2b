"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label, Select } from "@/components/ui/input";
import { EVENTS } from "@/lib/guardrails/schemas";
import { createChannel, deleteChannel, setChannelEnabled } from "./actions";

export function NewChannelForm() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"webhook" | "slack">("slack");
  const [url, setUrl] = useState("");
  const [events, setEvents] = useState<string[]>([...EVENTS]);
  const [error, setError] = useState<string | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const [pending, start] = useTransition();
  return (
    <form
      className="space-y-3"
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        start(async () => {
          const r = await createChannel({ name, kind, url, events: events as (typeof EVENTS)[number][] });
          if ("error" in r) return setError(r.error);
          setSecret(r.data.secret);
          setName("");
          setUrl("");
          router.refresh();
        });
      }}
    >
      <div className="grid gap-3 sm:grid-cols-4">
        <div className="space-y-1"><Label htmlFor="ch-name">Name</Label><Input id="ch-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="#rollouts" /></div>
        <div className="space-y-1">
          <Label htmlFor="ch-kind">Kind</Label>
          <Select id="ch-kind" value={kind} onChange={(e) => setKind(e.target.value as "webhook" | "slack")}>
            <option value="slack">Slack incoming webhook</option>
            <option value="webhook">Generic webhook (signed JSON)</option>
          </Select>
        </div>
        <div className="space-y-1 sm:col-span-2"><Label htmlFor="ch-url">URL</Label><Input id="ch-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://hooks.slack.com/services/…" /></div>
      </div>
      <fieldset className="flex flex-wrap gap-x-4 gap-y-1 text-sm text-slate-700">
        <legend className="mb-1 text-sm font-medium text-slate-700">Events</legend>
        {EVENTS.map((ev) => (
          <label key={ev} className="flex items-center gap-1.5">
            <input type="checkbox" checked={events.includes(ev)} onChange={(e) => setEvents((xs) => (e.target.checked ? [...xs, ev] : xs.filter((x) => x !== ev)))} />
            {ev.replace(/_/g, " ")}
          </label>
        ))}
      </fieldset>
      {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
      {secret ? (
        <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200">
          Signing secret (verify <span className="font-mono">X-Rollout-Signature</span> with it): <code className="select-all font-mono">{secret}</code>
        </p>
      ) : null}
      <Button type="submit" disabled={pending}>{pending ? "Adding…" : "Add channel"}</Button>
    </form>
  );
}

export function ChannelRowActions({ id, enabled }: { id: string; enabled: boolean }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="flex items-center justify-end gap-1.5">
      {error ? <span className="text-xs text-rose-700">{error}</span> : null}
      <Button size="sm" variant="secondary" disabled={pending} onClick={() => start(async () => { const r = await setChannelEnabled({ id, enabled: !enabled }); if ("error" in r) setError(r.error); router.refresh(); })}>
        {enabled ? "Disable" : "Enable"}
      </Button>
      <Button size="sm" variant="ghost" className="text-rose-700" disabled={pending} onClick={() => start(async () => { const r = await deleteChannel({ id }); if ("error" in r) setError(r.error); router.refresh(); })}>
        Delete
      </Button>
    </div>
  );
}
