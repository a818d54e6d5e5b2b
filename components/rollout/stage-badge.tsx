import { Badge, type Tone } from "@/components/ui/badge";

const STATUS_TONE: Record<string, Tone> = { active: "green", paused: "amber", rolled_back: "red" };
const STATUS_LABEL: Record<string, string> = { active: "active", paused: "paused", rolled_back: "rolled back" };

export function StatusBadge({ status }: { status: string }) {
  return <Badge tone={STATUS_TONE[status] ?? "neutral"}>{STATUS_LABEL[status] ?? status}</Badge>;
}

/** "2 · New UI" with a small progress bar of stage/last stage. */
export function StageLabel({ stage, name, lastStage }: { stage: number; name: string; lastStage: number }) {
  const pct = lastStage > 0 ? Math.round((stage / lastStage) * 100) : 0;
  return (
    <div className="min-w-36">
      <div className="flex items-baseline gap-1.5">
        <span className="font-mono text-xs font-semibold text-slate-500">{stage}</span>
        <span className="truncate font-medium text-slate-800">{name}</span>
      </div>
      <div className="mt-1 h-1 w-28 overflow-hidden rounded-full bg-slate-100" aria-hidden="true">
        <div className="h-full rounded-full bg-brand-500" style={{ width: `${pct}%` }} />
      </div>
    </div>
  );
}
