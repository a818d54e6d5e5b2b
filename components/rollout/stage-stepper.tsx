import type { StageRow } from "@/lib/rollouts/types";
import { cn } from "@/components/ui/cn";

/** All stages of a plan with names and descriptions; the current one marked. */
export function StageStepper({ stages, current, status }: { stages: StageRow[]; current: number; status: string }) {
  return (
    // Wraps: as many columns as fit at ≥ 9 rem each, all stages in one row on wide screens.
    <ol className="grid gap-2" style={{ gridTemplateColumns: `repeat(auto-fit, minmax(min(100%, 9rem), 1fr))` }} aria-label="Stages">
      {stages.map((s) => {
        const done = s.position < current;
        const here = s.position === current;
        return (
          <li
            key={s.position}
            aria-current={here ? "step" : undefined}
            data-testid={here ? "current-stage" : undefined}
            className={cn(
              "relative rounded-lg border p-3",
              here && status === "paused" && "border-amber-300 bg-amber-50",
              here && status === "rolled_back" && "border-rose-300 bg-rose-50",
              here && status === "active" && "border-brand-500 bg-brand-50",
              done && "border-slate-200 bg-white",
              !done && !here && "border-dashed border-slate-200 bg-slate-50/50",
            )}
          >
            <div className="flex items-center gap-2">
              <span
                className={cn(
                  "flex h-6 w-6 shrink-0 items-center justify-center rounded-full text-xs font-semibold",
                  done ? "bg-brand-600 text-white" : here ? "bg-brand-600 text-white ring-4 ring-brand-100" : "bg-slate-200 text-slate-600",
                )}
              >
                {done ? "✓" : s.position}
              </span>
              <span className={cn("min-w-0 break-words text-sm font-medium", here ? "text-slate-900" : "text-slate-700")}>{s.name}</span>
            </div>
            <p className="mt-1.5 line-clamp-3 text-xs leading-relaxed text-slate-600">{s.description}</p>
          </li>
        );
      })}
    </ol>
  );
}
