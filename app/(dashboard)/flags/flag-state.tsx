import { Badge } from "@/components/ui/badge";

/** The flag's own switch state (what evaluation starts from). */
export function FlagStateBadge({ killed, enabled }: { killed: boolean; enabled: boolean }) {
  if (killed) return <Badge tone="red">killed</Badge>;
  return enabled ? <Badge tone="green">enabled</Badge> : <Badge tone="neutral">disabled</Badge>;
}

export function RolloutBar({ bps }: { bps: number }) {
  return (
    <div className="h-1.5 w-24 overflow-hidden rounded-full bg-slate-100" aria-hidden>
      <div className="h-full rounded-full bg-brand-600" style={{ width: `${bps / 100}%` }} />
    </div>
  );
}
