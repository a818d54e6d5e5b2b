"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Input, Label, Textarea } from "@/components/ui/input";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { PrometheusSourceInput } from "@/lib/telemetry/prometheus";
import type { PrometheusSourceRow } from "@/lib/telemetry/prometheus-sources";
import { createPrometheusSource, deletePrometheusSourceAction, setPrometheusSourceEnabledAction, updatePrometheusSourceAction } from "./prometheus-actions";

/** A source as the page passes it to the browser (dates as ISO text). */
export type SourceView = Omit<PrometheusSourceRow, "lastRunAt"> & { lastRunAt: string | null };

const EXAMPLE = 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{tenant="{{workspace}}",track="{{variant}}"}[{{window}}]))) * 1000';

function StatusBadge({ s }: { s: SourceView }) {
  if (!s.enabled) return <Badge>disabled</Badge>;
  if (!s.lastStatus) return <Badge tone="amber">not run yet</Badge>;
  return <Badge tone={s.lastStatus === "ok" ? "green" : s.lastStatus === "no_data" ? "amber" : "red"}>{s.lastStatus === "no_data" ? "no data" : s.lastStatus}</Badge>;
}

export function PrometheusPanel({ migration, sources, isAdmin }: { migration: string; sources: SourceView[]; isAdmin: boolean }) {
  const [editing, setEditing] = useState<SourceView | null>(null);
  return (
    <div className="space-y-4">
      {sources.length === 0 ? (
        <p className="text-sm text-slate-500">No Prometheus source. {isAdmin ? "Add one below to read old and new metrics from a Prometheus server." : "Only admins can add one."}</p>
      ) : (
        <Table label="Prometheus sources">
          <thead><tr><Th>Source</Th><Th>Stored as</Th><Th>Last run</Th>{isAdmin ? <Th>&nbsp;</Th> : null}</tr></thead>
          <tbody className="divide-y divide-slate-100">
            {sources.map((s) => (
              <tr key={s.id} data-testid="prometheus-source">
                <Td className="max-w-[15rem] sm:max-w-md">
                  <p className="font-medium text-slate-900">{s.name}</p>
                  <p className="truncate font-mono text-xs text-slate-500" title={s.query}>{s.baseUrl} · {s.query}</p>
                  {/* on phones the status columns sit off-screen: the status and reason come first */}
                  <div className="mt-1 text-xs sm:hidden"><StatusBadge s={s} />{s.lastError ? <p className="mt-1 whitespace-normal break-words text-rose-700">{s.lastError}</p> : null}</div>
                </Td>
                <Td className="text-xs text-slate-600"><span className="font-mono">{s.metric}</span><br />every {s.intervalSeconds} s, window {s.windowSeconds} s</Td>
                <Td className="max-w-sm text-xs">
                  <StatusBadge s={s} />{" "}
                  {s.lastRunAt ? <span className="text-slate-500"><RelativeTime date={s.lastRunAt} />{s.stored !== null ? `, ${s.stored} samples stored` : ""}</span> : null}
                  {s.lastError ? <p className="mt-1 break-words text-rose-700">{s.lastError}</p> : null}
                </Td>
                {isAdmin ? <Td><SourceRowActions migration={migration} source={s} onEdit={() => setEditing(s)} /></Td> : null}
              </tr>
            ))}
          </tbody>
        </Table>
      )}
      {isAdmin ? <SourceForm key={editing?.id ?? "new"} migration={migration} editing={editing} onDone={() => setEditing(null)} /> : null}
    </div>
  );
}

function SourceRowActions({ migration, source, onEdit }: { migration: string; source: SourceView; onEdit: () => void }) {
  const router = useRouter();
  const [pending, start] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const act = (fn: () => Promise<{ error: string } | { data: unknown }>) => start(async () => { const r = await fn(); if ("error" in r) setError(r.error); router.refresh(); });
  return (
    <div className="flex items-center justify-end gap-1.5">
      {error ? <span role="alert" className="text-xs text-rose-700">{error}</span> : null}
      <Button size="sm" variant="secondary" disabled={pending} onClick={onEdit}>Edit</Button>
      <Button size="sm" variant="secondary" disabled={pending} onClick={() => act(() => setPrometheusSourceEnabledAction({ migration, id: source.id, enabled: !source.enabled }))}>
        {source.enabled ? "Disable" : "Enable"}
      </Button>
      <Button size="sm" variant="ghost" className="text-rose-700" disabled={pending} onClick={() => act(() => deletePrometheusSourceAction({ migration, id: source.id }))}>Delete</Button>
    </div>
  );
}

function SourceForm({ migration, editing, onDone }: { migration: string; editing: SourceView | null; onDone: () => void }) {
  const router = useRouter();
  const [f, setF] = useState({
    name: editing?.name ?? "", baseUrl: editing?.baseUrl ?? "", query: editing?.query ?? "", metric: editing?.metric ?? "",
    windowSeconds: String(editing?.windowSeconds ?? 300), intervalSeconds: String(editing?.intervalSeconds ?? 60), enabled: editing?.enabled ?? true,
  });
  const [error, setError] = useState<string | null>(null);
  const [pending, start] = useTransition();
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF((x) => ({ ...x, [k]: e.target.value }));
  return (
    <form
      className="space-y-3 border-t border-slate-100 pt-4"
      aria-label={editing ? `Edit source ${editing.name}` : "New Prometheus source"}
      onSubmit={(e) => {
        e.preventDefault();
        setError(null);
        // the same schema the server applies, so mistakes show before the round trip
        const parsed = PrometheusSourceInput.safeParse(f);
        if (!parsed.success) {
          const i = parsed.error.issues[0];
          return setError(`${i.path.join(".")}: ${i.message}`);
        }
        start(async () => {
          const r = editing
            ? await updatePrometheusSourceAction({ ...parsed.data, migration, id: editing.id })
            : await createPrometheusSource({ ...parsed.data, migration });
          if ("error" in r) return setError(r.error);
          onDone();
          router.refresh();
        });
      }}
    >
      <h3 className="text-sm font-semibold text-slate-900">{editing ? `Edit “${editing.name}”` : "Add a Prometheus source"}</h3>
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="space-y-1"><Label htmlFor="prom-name">Name</Label><Input id="prom-name" value={f.name} onChange={set("name")} placeholder="p95 latency" /></div>
        <div className="space-y-1"><Label htmlFor="prom-url">Prometheus URL</Label><Input id="prom-url" value={f.baseUrl} onChange={set("baseUrl")} placeholder="http://prometheus.internal:9090" /></div>
        <div className="space-y-1"><Label htmlFor="prom-metric">Stored as metric</Label><Input id="prom-metric" value={f.metric} onChange={set("metric")} placeholder="latency_ms or a custom name" /></div>
      </div>
      <div className="space-y-1">
        <Label htmlFor="prom-query">PromQL ({"{{workspace}}"}, {"{{variant}}"} required; {"{{migration}}"}, {"{{window}}"} optional)</Label>
        <Textarea id="prom-query" rows={3} className="font-mono text-xs" value={f.query} onChange={set("query")} placeholder={EXAMPLE} />
      </div>
      <div className="grid gap-3 sm:grid-cols-3">
        <div className="space-y-1"><Label htmlFor="prom-window">Window ({"{{window}}"}, s)</Label><Input id="prom-window" inputMode="numeric" value={f.windowSeconds} onChange={set("windowSeconds")} /></div>
        <div className="space-y-1"><Label htmlFor="prom-interval">Every (s, at least 60)</Label><Input id="prom-interval" inputMode="numeric" value={f.intervalSeconds} onChange={set("intervalSeconds")} /></div>
        <label className="flex items-center gap-2 self-end pb-2 text-sm text-slate-700">
          <input type="checkbox" checked={f.enabled} onChange={(e) => setF((x) => ({ ...x, enabled: e.target.checked }))} /> Enabled
        </label>
      </div>
      {error ? <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-sm text-rose-700 ring-1 ring-rose-200">{error}</p> : null}
      <div className="flex gap-2">
        <Button type="submit" disabled={pending}>{pending ? "Saving…" : editing ? "Save source" : "Add source"}</Button>
        {editing ? <Button variant="secondary" onClick={onDone}>Cancel</Button> : null}
      </div>
    </form>
  );
}
