import "server-only";
import type { Tx } from "@/lib/db";
import { redactSecrets } from "./redact";

export interface AuditEntry {
  source: "transition" | "flag" | "event";
  id: string;
  at: string;
  actor: string | null;
  action: string;
  target: string;
  summary: string;
  reason: string;
}

export interface AuditFilter {
  source?: AuditEntry["source"];
  q?: string;
  before?: string;
  limit: number;
}

/**
 * One timeline over the three append-only logs: stage transitions, flag changes
 * and the generic audit events (members, tokens, rules, channels, stage edits,
 * alerts). Keyset-paginated by time.
 */
export async function listAudit(tx: Tx, f: AuditFilter): Promise<AuditEntry[]> {
  const rows = await selectAudit(tx, f);
  // Event details are redacted before they are shortened, so no secret survives as a
  // fragment of a cut-off string (see ./redact.ts).
  return rows.map(({ details, ...r }) => ({
    ...r,
    summary: details == null ? r.summary : JSON.stringify(redactSecrets(details)).slice(0, 300),
    reason: typeof r.reason === "string" ? String(redactSecrets(r.reason)) : r.reason,
  }));
}

function selectAudit(tx: Tx, f: AuditFilter): Promise<(AuditEntry & { details?: unknown })[]> {
  const pattern = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => "\\" + c)}%` : null;
  const before = f.before ?? null;
  return tx<(AuditEntry & { details?: unknown })[]>`
    select * from (
      select 'transition' as source, t.id::text, t.created_at as at, t.actor_email as actor, 'transition.' || t.kind as action,
             w.slug || ' / ' || m.key as target,
             format('stage %s → %s (%s)', t.from_stage, t.to_stage, t.status_after) as summary, t.reason, null::jsonb as details
      from public.stage_transitions t join public.workspaces w on w.id = t.workspace_id join public.migrations m on m.id = t.migration_id
      where (${f.source ?? null}::text is null or ${f.source ?? null} = 'transition')
        and (${before}::timestamptz is null or t.created_at < ${before}::timestamptz)
        and (${pattern}::text is null or w.slug ilike ${pattern} or m.key ilike ${pattern} or t.reason ilike ${pattern} or t.actor_email ilike ${pattern})
      union all
      select 'flag', c.id::text, c.created_at, c.actor_email, 'flag.' || c.action, c.flag_key,
             coalesce((select 'workspace ' || w.slug from public.workspaces w where w.id = c.workspace_id), ''), c.reason, null
      from public.flag_changes c
      where (${f.source ?? null}::text is null or ${f.source ?? null} = 'flag')
        and (${before}::timestamptz is null or c.created_at < ${before}::timestamptz)
        and (${pattern}::text is null or c.flag_key ilike ${pattern} or c.reason ilike ${pattern} or c.actor_email ilike ${pattern})
      union all
      select 'event', e.id::text, e.created_at, e.actor_email, e.action, e.target_type || coalesce(' ' || e.target_id, ''),
             '', coalesce(e.details ->> 'note', e.details ->> 'reason', ''), e.details
      from public.audit_events e
      where (${f.source ?? null}::text is null or ${f.source ?? null} = 'event')
        and (${before}::timestamptz is null or e.created_at < ${before}::timestamptz)
        and (${pattern}::text is null or e.action ilike ${pattern} or e.target_id ilike ${pattern} or e.actor_email ilike ${pattern})
    ) x
    order by at desc, id desc
    limit ${f.limit}`;
}
