"use client";

import { useQuery } from "@tanstack/react-query";
import { GateChecklist } from "@/components/rollout/gate-checklist";
import type { GateReport } from "@/lib/rollouts/types";

/** The next stage's gate, re-evaluated every few seconds as telemetry arrives. */
export function LiveGate({ workspace, migration, version }: { workspace: string; migration: string; version: string }) {
  const { data, error, isPending } = useQuery({
    // The rollout version is in the key: after any transition the gate is for another stage.
    queryKey: ["gate", workspace, migration, version],
    queryFn: async () => {
      const res = await fetch(`/api/rollouts/gate?workspace=${encodeURIComponent(workspace)}&migration=${encodeURIComponent(migration)}`, { cache: "no-store" });
      const body = await res.json();
      if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      return body as { report: GateReport | null };
    },
    refetchInterval: 5000,
  });
  if (isPending) return <p className="text-sm text-slate-500">Evaluating the gate…</p>;
  if (error) return <p className="text-sm text-rose-700">Could not evaluate the gate: {error.message}. Retrying.</p>;
  if (!data.report) return <p className="text-sm text-slate-500">This workspace is at the last stage: the migration is complete here. Guardrails keep watching it.</p>;
  return (
    <div data-testid="live-gate" data-passed={String(data.report.passed)}>
      <p className="mb-1 text-sm text-slate-600">
        To <span className="font-medium text-slate-900">{data.report.target_stage} · {data.report.target_stage_name}</span>:{" "}
        {data.report.passed ? <span className="font-medium text-emerald-700">gate passes</span> : <span className="font-medium text-rose-700">gate fails</span>}
      </p>
      <GateChecklist report={data.report} />
    </div>
  );
}
