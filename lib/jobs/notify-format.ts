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

/**
 * Slack reads `<…>` as a mention or link and `&` as an entity: user text (reasons,
 * names, rule messages) is escaped per Slack's formatting rules, so "<!channel>",
 * "<@U123>" or "<https://evil|click>" arrive as the literal characters.
 * https://api.slack.com/reference/surfaces/formatting#escaping
 */
export function escapeSlack(value: unknown): string {
  return String(value ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * The one-line text of a notification (Slack `text`, and `text` in webhook JSON).
 * Every interpolated value is escaped; the only link is the one built here from
 * PUBLIC_URL and a slug or key.
 */
export function summary(p: DeliveryPayload, baseUrl?: string): string {
  const e = escapeSlack;
  const ws = p.workspace ? `${e(p.workspace.name)} (${e(p.workspace.slug)})` : "";
  const mig = e(p.migration?.name ?? "");
  const who = p.actor ? ` by ${e(p.actor)}` : " by the system";
  const link = baseUrl && p.workspace ? ` ${e(baseUrl)}/workspaces/${e(encodeURIComponent(p.workspace.slug))}` : baseUrl && p.migration ? ` ${e(baseUrl)}/migrations/${e(encodeURIComponent(p.migration.key))}` : "";
  const stage = (n: unknown, name: unknown) => `${e(n)} ${e(name)}`;
  switch (p.event) {
    case "stage_changed":
      return `${ws}: ${mig} ${p.kind === "pause" ? "paused" : p.kind === "resume" ? "resumed" : `moved ${stage(p.from_stage, p.from_stage_name)} → ${stage(p.to_stage, p.to_stage_name)}`}${who}${p.reason ? ` — ${e(p.reason)}` : ""}.${link}`;
    case "auto_rollback":
      return `:rotating_light: Automatic rollback: ${ws} in ${mig} went back from ${stage(p.from_stage, p.from_stage_name)} to ${stage(p.to_stage, p.to_stage_name)} and is paused — ${e(p.reason)}.${link}`;
    case "wave_applied":
      return `Wave applied${who} in ${mig}: ${p.moved?.length ?? 0} workspace(s) moved to stage ${e(p.to_stage)}${p.moved?.length ? ` (${p.moved.slice(0, 10).map((m) => e(m.slug)).join(", ")}${p.moved.length > 10 ? ", …" : ""})` : ""}.${link}`;
    case "emergency_stop":
      return `:octagonal_sign: Emergency stop${who} of ${mig}: ${e(p.workspaces_stopped ?? "all")} workspace(s) back to stage 0 and paused, flags killed — ${e(p.reason)}.${link}`;
    case "alert_opened":
      return `${p.severity === "critical" ? ":red_circle:" : ":large_yellow_circle:"} ${p.severity === "critical" ? "Critical alert" : "Warning"} on ${ws} in ${mig}: ${e(p.rule)} — ${e(p.message)}.${link}`;
    case "alert_resolved":
      return `:white_check_mark: Alert resolved on ${ws} in ${mig}${p.rule ? ` (${e(p.rule)})` : ""}.${link}`;
    case "plan_step_started":
    case "plan_step_finished":
    case "plan_halted":
    case "plan_approval_needed": {
      const plan = p.plan as { name?: string; step?: number; steps?: number } | undefined;
      const step = `step ${e(plan?.step ?? "?")}${plan?.steps ? ` of ${e(plan.steps)}` : ""}`;
      const name = `plan "${e(plan?.name ?? "")}" of ${mig}`;
      if (p.event === "plan_halted") return `:octagonal_sign: The ${name} halted at ${step} — ${e(p.reason)}${link}`;
      if (p.event === "plan_approval_needed") return `:raised_hand: The ${name} awaits ${e(p.approvals_required ?? 1)} approval(s) for ${step}: approve or reject on the migration page.${link}`;
      return `The ${name}: ${step} ${p.event === "plan_step_started" ? "started" : "finished"} (stage ${e(p.target_stage ?? "?")}).${link}`;
    }
    default:
      return e(`${p.event}: ${JSON.stringify(p).slice(0, 500)}`);
  }
}
