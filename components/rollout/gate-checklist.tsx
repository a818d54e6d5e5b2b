import type { GateCheck, GateReport } from "@/lib/rollouts/types";
import { cn } from "@/components/ui/cn";

function fmt(v: number | null | undefined, unit: string): string {
  if (v === null || v === undefined) return "—";
  if (unit === "ratio" && v < 1 && v > 0) return v < 0.1 ? `${(v * 100).toFixed(2)} %` : v.toFixed(3);
  if (unit === "min") return v >= 120 ? `${(v / 60).toFixed(1)} h` : `${Math.round(v)} min`;
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toFixed(2);
}

const ICON: Record<GateCheck["status"], { label: string; cls: string; sym: string }> = {
  pass: { label: "pass", cls: "bg-emerald-100 text-emerald-700", sym: "✓" },
  fail: { label: "fail", cls: "bg-rose-100 text-rose-700", sym: "✕" },
  no_data: { label: "not enough data", cls: "bg-amber-100 text-amber-800", sym: "?" },
  inconclusive: { label: "inconclusive", cls: "bg-amber-100 text-amber-800", sym: "~" },
};

const COMPARATOR: Record<GateCheck["comparator"], string> = { ">=": "≥", "<=": "≤", ">": ">", "<": "<" };

/**
 * The gate report as a checklist: observed value, threshold, pass / fail / inconclusive /
 * not enough data. Sequential checks add their interval and one line of evidence
 * ("p95 latency new/old 1.08 [0.97, 1.21] (limit <= 1.2), inconclusive, about 900 more samples needed").
 */
export function GateChecklist({ report }: { report: GateReport }) {
  if (report.checks.length === 0) {
    return <p className="text-sm text-slate-500">This stage has no gate checks: the move is allowed at any time.</p>;
  }
  return (
    <ul className="divide-y divide-slate-100" aria-label="Gate checks">
      {report.checks.map((c) => {
        const icon = ICON[c.status];
        return (
          <li key={c.check} className="py-2 text-sm" data-check={c.check} data-status={c.status}>
            <div className="flex items-center justify-between gap-3">
              <div className="flex items-center gap-2.5">
                <span aria-label={icon.label} className={cn("flex h-5 w-5 shrink-0 items-center justify-center rounded-full text-xs font-bold", icon.cls)}>{icon.sym}</span>
                <span className="text-slate-800">{c.label}</span>
              </div>
              <span className="shrink-0 font-mono text-xs text-slate-600">
                {c.status === "no_data" ? "not enough data" : fmt(c.observed, c.unit)}
                {c.lower != null && c.upper != null && c.lower !== c.upper && c.status !== "no_data" ? (
                  <span className="text-slate-500" data-testid="check-interval"> [{fmt(c.lower, c.unit)}, {fmt(c.upper, c.unit)}]</span>
                ) : null}{" "}
                <span className="text-slate-400">{COMPARATOR[c.comparator] ?? c.comparator}</span> {fmt(c.threshold, c.unit)}
              </span>
            </div>
            {c.summary && c.status !== "pass" ? (
              <p className="ml-7 mt-0.5 text-xs text-slate-500" data-testid="check-summary">
                {c.summary}
                {c.n_new !== undefined ? ` · n old ${c.n_old ?? 0}, new ${c.n_new}` : ""}
              </p>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
