"use client";

import { GateChecklist } from "@/components/rollout/gate-checklist";
import { forecastGate, formatDuration } from "@/lib/rollouts/forecast";
import { useGate } from "./use-gate";

/** The next stage's gate, re-evaluated every few seconds as telemetry arrives, with when it should pass. */
export function LiveGate({ workspace, migration, version, canOverride }: { workspace: string; migration: string; version: string; canOverride: boolean }) {
  const { data, error, isPending } = useGate(workspace, migration, version);
  if (isPending) return <p className="text-sm text-slate-500">Evaluating the gate…</p>;
  if (error) return <p className="text-sm text-rose-700">Could not evaluate the gate: {error.message}. Retrying.</p>;
  if (!data.report) return <p className="text-sm text-slate-500">This workspace is at the last stage: the migration is complete here. Guardrails keep watching it.</p>;
  const overall = data.report.passed ? null : forecastGate(data.report.checks, data.rate);
  return (
    <div data-testid="live-gate" data-passed={String(data.report.passed)}>
      <p className="mb-1 text-sm text-slate-600">
        To <span className="font-medium text-slate-900">{data.report.target_stage} · {data.report.target_stage_name}</span>:{" "}
        {data.report.passed ? <span className="font-medium text-emerald-700">gate passes</span> : <span className="font-medium text-rose-700">gate fails</span>}
      </p>
      <GateChecklist report={data.report} rate={data.rate} />
      {overall ? (
        <p className="mt-2 text-sm text-slate-600" data-testid="gate-eta">
          {overall.minutes !== null
            ? <>At the current rate the gate should pass in <strong>{formatDuration(overall.minutes)}</strong>.</>
            : "Waiting alone will not make this gate pass."}{" "}
          {canOverride ? "As an admin you can override it with a written reason." : "An admin can override a failed gate with a written reason."}
        </p>
      ) : null}
    </div>
  );
}
