// How a notification reads, for Slack (text) and for generic webhooks (JSON).
// Pure functions: the delivery task adds the transport.

export interface DeliveryPayload {
  event: string;
  migration?: { key: string; name: string };
  workspace?: { slug: string; name: string };
  from_stage?: number;
  to_stage?: number;
  from_stage_name?: string;
  to_stage_name?: string;
  kind?: string;
  reason?: string;
  actor?: string | null;
  message?: string;
  severity?: string;
  rule?: string;
  moved?: { slug: string; name: string }[];
  workspaces_stopped?: number;
  [key: string]: unknown;
}

export function summary(p: DeliveryPayload, baseUrl?: string): string {
  const ws = p.workspace ? `${p.workspace.name} (${p.workspace.slug})` : "";
  const mig = p.migration?.name ?? "";
  const who = p.actor ? ` by ${p.actor}` : " by the system";
  const link = baseUrl && p.workspace ? ` ${baseUrl}/workspaces/${p.workspace.slug}` : baseUrl && p.migration ? ` ${baseUrl}/migrations/${p.migration.key}` : "";
  switch (p.event) {
    case "stage_changed":
      return `${ws}: ${mig} ${p.kind === "pause" ? "paused" : p.kind === "resume" ? "resumed" : `moved ${p.from_stage} ${p.from_stage_name} → ${p.to_stage} ${p.to_stage_name}`}${who}${p.reason ? ` — ${p.reason}` : ""}.${link}`;
    case "auto_rollback":
      return `:rotating_light: Automatic rollback: ${ws} in ${mig} went back from ${p.from_stage} ${p.from_stage_name} to ${p.to_stage} ${p.to_stage_name} and is paused — ${p.reason}.${link}`;
    case "wave_applied":
      return `Wave applied${who} in ${mig}: ${p.moved?.length ?? 0} workspace(s) moved to stage ${p.to_stage}${p.moved?.length ? ` (${p.moved.slice(0, 10).map((m) => m.slug).join(", ")}${p.moved.length > 10 ? ", …" : ""})` : ""}.${link}`;
    case "emergency_stop":
      return `:octagonal_sign: Emergency stop${who} of ${mig}: ${p.workspaces_stopped ?? "all"} workspace(s) back to stage 0 and paused, flags killed — ${p.reason}.${link}`;
    case "alert_opened":
      return `${p.severity === "critical" ? ":red_circle:" : ":large_yellow_circle:"} ${p.severity === "critical" ? "Critical alert" : "Warning"} on ${ws} in ${mig}: ${p.rule} — ${p.message}.${link}`;
    case "alert_resolved":
      return `:white_check_mark: Alert resolved on ${ws} in ${mig}${p.rule ? ` (${p.rule})` : ""}.${link}`;
    case "plan_step_started":
    case "plan_step_finished":
    case "plan_halted":
    case "plan_approval_needed": {
      const plan = p.plan as { name?: string; step?: number; steps?: number } | undefined;
      const step = `step ${plan?.step ?? "?"}${plan?.steps ? ` of ${plan.steps}` : ""}`;
      const name = `plan "${plan?.name ?? ""}" of ${mig}`;
      if (p.event === "plan_halted") return `:octagonal_sign: The ${name} halted at ${step} — ${p.reason ?? ""}${link}`;
      if (p.event === "plan_approval_needed") return `:raised_hand: The ${name} awaits ${p.approvals_required ?? 1} approval(s) for ${step}: approve or reject on the migration page.${link}`;
      return `The ${name}: ${step} ${p.event === "plan_step_started" ? "started" : "finished"} (stage ${p.target_stage ?? "?"}).${link}`;
    }
    default:
      return `${p.event}: ${JSON.stringify(p).slice(0, 500)}`;
  }
}
