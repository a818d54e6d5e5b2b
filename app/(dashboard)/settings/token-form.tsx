"use client";

import { useState, useTransition } from "react";
import { Button } from "@/components/ui/button";
import { Input, Label } from "@/components/ui/input";
import { createToken, revokeToken } from "./actions";

const SCOPES = [
  { value: "metrics:write", label: "Send metrics" },
  { value: "feedback:write", label: "Send feedback" },
  { value: "state:read", label: "Read workspace state" },
] as const;
type Scope = (typeof SCOPES)[number]["value"];

export function TokenForm({ workspaces }: { workspaces: { id: string; slug: string; name: string }[] }) {
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Scope[]>(["metrics:write", "feedback:write", "state:read"]);
  const [allWorkspaces, setAllWorkspaces] = useState(true);
  const [chosen, setChosen] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ token: string; name: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [pending, start] = useTransition();

  function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    start(async () => {
      const res = await createToken({ name, scopes, workspaceIds: allWorkspaces ? null : chosen });
      if ("error" in res) return setError(res.error);
      setCreated({ token: res.data.token, name });
      setName("");
      setCopied(false);
    });
  }

  return (
    <div className="space-y-4">
      {created ? (
        <div className="rounded-lg bg-emerald-50 p-4 ring-1 ring-emerald-200" role="status" data-testid="new-token">
          <p className="text-sm font-medium text-emerald-900">Token “{created.name}” created. Copy it now: it is not shown again.</p>
          <div className="mt-2 flex items-center gap-2">
            <code className="block min-w-0 flex-1 overflow-x-auto rounded bg-white px-3 py-2 font-mono text-sm text-slate-900 ring-1 ring-emerald-200" data-testid="new-token-value">{created.token}</code>
            <Button variant="secondary" size="sm" onClick={async () => { await navigator.clipboard.writeText(created.token); setCopied(true); }}>{copied ? "Copied" : "Copy"}</Button>
            <Button variant="ghost" size="sm" onClick={() => setCreated(null)}>Done</Button>
          </div>
        </div>
      ) : null}
      <form onSubmit={submit} className="grid gap-4 lg:grid-cols-3">
        <div className="space-y-1.5">
          <Label htmlFor="token-name">Name</Label>
          <Input id="token-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. crm-api production" maxLength={100} required />
        </div>
        <fieldset className="space-y-1.5">
          <legend className="text-sm font-medium text-slate-700">Scopes</legend>
          {SCOPES.map((s) => (
            <label key={s.value} className="flex items-center gap-2 text-sm text-slate-700">
              <input type="checkbox" checked={scopes.includes(s.value)}
                onChange={(e) => setScopes((xs) => (e.target.checked ? [...xs, s.value] : xs.filter((x) => x !== s.value)))} />
              {s.label} <code className="text-xs text-slate-500">{s.value}</code>
            </label>
          ))}
        </fieldset>
        <fieldset className="space-y-1.5">
          <legend className="text-sm font-medium text-slate-700">Workspaces</legend>
          <label className="flex items-center gap-2 text-sm text-slate-700">
            <input type="checkbox" checked={allWorkspaces} onChange={(e) => setAllWorkspaces(e.target.checked)} /> All workspaces
          </label>
          {!allWorkspaces ? (
            <div className="max-h-40 space-y-1 overflow-y-auto rounded-md p-2 ring-1 ring-slate-200" role="group" tabIndex={0} aria-label="Allowed workspaces">
              {workspaces.map((w) => (
                <label key={w.id} className="flex items-center gap-2 text-sm text-slate-700">
                  <input type="checkbox" checked={chosen.includes(w.id)}
                    onChange={(e) => setChosen((xs) => (e.target.checked ? [...xs, w.id] : xs.filter((x) => x !== w.id)))} />
                  {w.name} <span className="font-mono text-xs text-slate-500">{w.slug}</span>
                </label>
              ))}
            </div>
          ) : null}
        </fieldset>
        <div className="flex items-center gap-3 lg:col-span-3">
          <Button type="submit" disabled={pending}>{pending ? "Creating…" : "Create token"}</Button>
          {error ? <p className="text-sm text-rose-700" role="alert">{error}</p> : null}
        </div>
      </form>
    </div>
  );
}

export function RevokeButton({ id, name }: { id: string; name: string }) {
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  return (
    <span className="inline-flex items-center gap-2">
      {error ? <span className="text-xs text-rose-700" role="alert">{error}</span> : null}
      <Button variant="secondary" size="sm" disabled={pending} aria-label={`Revoke ${name}`}
        onClick={() => {
          if (!window.confirm(`Revoke “${name}”? Services using it are refused from the next request on.`)) return;
          start(async () => {
            const res = await revokeToken({ id });
            if ("error" in res) setError(res.error);
          });
        }}>
        {pending ? "Revoking…" : "Revoke"}
      </Button>
    </span>
  );
}
