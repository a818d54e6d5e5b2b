import "server-only";
import type { Tx } from "@/lib/db";

export type AlertState = "open" | "acknowledged" | "resolved";

export interface AlertRow {
  id: string;
  state: AlertState;
  severity: "warning" | "critical";
  message: string;
  rule: string;
  statistic: string;
  threshold: number | null;
  observed: number | null;
  baseline: number | null;
  stageAtBreach: number;
  actionTaken: string | null;
  breachCount: number;
  openedAt: string;
  lastBreachAt: string;
  acknowledgedBy: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  note: string | null;
  workspaceSlug: string;
  workspaceName: string;
  migrationKey: string;
  migrationName: string;
  evaluation: Record<string, unknown>;
}

// One alert row as the pages show it (joined with its rule, workspace and migration).
const ALERT_SELECT = `
  select a.id::text, a.state, a.severity, a.message, g.name as rule, g.statistic, a.threshold, a.observed, a.baseline,
         a.stage_at_breach as "stageAtBreach", a.action_taken as "actionTaken", a.breach_count as "breachCount",
         a.opened_at as "openedAt", a.last_breach_at as "lastBreachAt", a.acknowledged_by as "acknowledgedBy",
         a.resolved_by as "resolvedBy", a.resolved_at as "resolvedAt", a.note,
         w.slug as "workspaceSlug", w.name as "workspaceName", m.key as "migrationKey", m.name as "migrationName", a.evaluation
  from public.performance_alerts a
  join public.guardrail_rules g on g.id = a.rule_id
  join public.workspaces w on w.id = a.workspace_id
  join public.migrations m on m.id = a.migration_id`;

export interface AlertFilter {
  state: AlertState;
  migration?: string;
  workspace?: string;
  severity?: "warning" | "critical";
  limit: number;
}

export async function listAlerts(tx: Tx, f: AlertFilter): Promise<AlertRow[]> {
  const pattern = f.workspace ? `%${f.workspace.replace(/[\\%_]/g, (c) => "\\" + c)}%` : null;
  return tx<AlertRow[]>`
    ${tx.unsafe(ALERT_SELECT)}
    where a.state = ${f.state}
      and (${f.migration ?? null}::text is null or m.key = ${f.migration ?? null})
      and (${pattern}::text is null or w.slug ilike ${pattern} or w.name ilike ${pattern})
      and (${f.severity ?? null}::text is null or a.severity = ${f.severity ?? null})
    order by case a.severity when 'critical' then 0 else 1 end, a.last_breach_at desc
    limit ${f.limit}`;
}

export async function alertCounts(tx: Tx): Promise<Record<AlertState, number>> {
  const rows = await tx<{ state: AlertState; n: number }[]>`select state, count(*)::int as n from public.performance_alerts group by state`;
  const out: Record<AlertState, number> = { open: 0, acknowledged: 0, resolved: 0 };
  for (const r of rows) out[r.state] = r.n;
  return out;
}

/** Unresolved alerts per workspace (for the overview). */
export async function unresolvedByWorkspace(tx: Tx, workspaceIds: string[]): Promise<Map<string, { total: number; critical: number }>> {
  if (workspaceIds.length === 0) return new Map();
  const rows = await tx<{ workspaceId: string; total: number; critical: number }[]>`
    select workspace_id as "workspaceId", count(*)::int as total, count(*) filter (where severity = 'critical')::int as critical
    from public.performance_alerts
    where state <> 'resolved' and workspace_id = any(${workspaceIds}::uuid[])
    group by workspace_id`;
  return new Map(rows.map((r) => [r.workspaceId, { total: r.total, critical: r.critical }]));
}

export async function getAlert(tx: Tx, id: string) {
  const [a] = await tx<AlertRow[]>`
    ${tx.unsafe(ALERT_SELECT)}
    where a.id = ${id}`;
  return a ?? null;
}

/** Unresolved alerts of one workspace in one migration, plus a specific alert (any state) when asked for. */
export async function listWorkspaceAlerts(tx: Tx, workspaceId: string, migrationId: string, alertId?: string): Promise<AlertRow[]> {
  const id = alertId && /^\d{1,18}$/.test(alertId) ? alertId : null;
  return tx<AlertRow[]>`
    ${tx.unsafe(ALERT_SELECT)}
    where a.workspace_id = ${workspaceId} and a.migration_id = ${migrationId}
      and (a.state <> 'resolved' or a.id = ${id}::bigint)
    order by a.last_breach_at desc
    limit 20`;
}
