import "server-only";
import type { Tx } from "@/lib/db";

export interface MigrationColumn {
  id: string;
  key: string;
  name: string;
  stageCount: number;
}

export interface RolloutCell {
  migrationId: string;
  stage: number;
  stageName: string;
  status: "active" | "paused" | "rolled_back";
  enteredAt: string;
}

export interface OverviewRow {
  id: string;
  slug: string;
  name: string;
  tier: string;
  isCanary: boolean;
  openAlerts: number;
  criticalAlerts: number;
  rollouts: RolloutCell[];
}

export type OverviewSort = "canary" | "name" | "alerts" | "recent";

export interface OverviewFilter {
  q?: string;
  /** a migration key, optionally with a stage: "ai-pipeline" or "ai-pipeline:2" */
  migration?: string;
  stage?: number;
  status?: "active" | "paused" | "rolled_back";
  health?: "alerts" | "critical" | "healthy";
  canary?: boolean;
  /** only these workspaces (the summary's ready / blocked sets) */
  ids?: string[];
  /** open alerts or rolled back in the last 24 h, in `migration` (or any) */
  risk?: boolean;
  sort: OverviewSort;
  page: number;
  pageSize: number;
}

export async function listMigrationColumns(tx: Tx): Promise<MigrationColumn[]> {
  return tx<MigrationColumn[]>`
    select m.id, m.key, m.name, count(s.position)::int as "stageCount"
    from public.migrations m
    left join public.migration_stages s on s.migration_id = m.id
    group by m.id
    order by m.created_at, m.key`;
}

/**
 * One page of workspaces with their position in every migration (RLS applies).
 * Filters: name/slug search, stage of a migration, status in any (or that)
 * migration, health (open / critical alerts, or none), canary. Sorts: canaries
 * first (default), name, most open alerts, most recently moved.
 */
export async function listOverview(tx: Tx, f: OverviewFilter): Promise<{ rows: OverviewRow[]; total: number }> {
  const pattern = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => "\\" + c)}%` : null;
  const mig = f.migration ?? null;
  const order = {
    canary: tx`f.is_canary desc, f.name`,
    name: tx`f.name`,
    alerts: tx`f.critical desc, f.open desc, f.name`,
    recent: tx`f.last_move desc nulls last, f.name`,
  }[f.sort];
  const rows = await tx<(OverviewRow & { total: number })[]>`
    with scored as (
      select w.*,
        (select count(*)::int from public.performance_alerts a where a.workspace_id = w.id and a.state <> 'resolved') as open,
        (select count(*)::int from public.performance_alerts a where a.workspace_id = w.id and a.state <> 'resolved' and a.severity = 'critical') as critical,
        (select max(r.entered_at) from public.workspace_rollouts r where r.workspace_id = w.id) as last_move
      from public.workspaces w
      where (${pattern}::text is null or w.name ilike ${pattern} or w.slug ilike ${pattern})
        and (${f.canary ?? null}::boolean is null or w.is_canary = ${f.canary ?? null})
        and (${f.ids ?? null}::uuid[] is null or w.id = any(${f.ids ?? null}::uuid[]))
        and (not ${f.risk ?? false}::boolean or exists (
              select 1 from public.performance_alerts a left join public.migrations m on m.id = a.migration_id
              where a.workspace_id = w.id and a.state <> 'resolved' and (${mig}::text is null or m.key = ${mig}))
            or exists (
              select 1 from public.stage_transitions t join public.migrations m on m.id = t.migration_id
              where t.workspace_id = w.id and t.kind in ('rollback', 'auto_rollback') and t.created_at > now() - interval '24 hours'
                and (${mig}::text is null or m.key = ${mig})))
        and (${mig}::text is null and ${f.status ?? null}::text is null or exists (
              select 1 from public.workspace_rollouts r join public.migrations m on m.id = r.migration_id
              where r.workspace_id = w.id
                and (${mig}::text is null or m.key = ${mig})
                and (${f.stage ?? null}::int is null or r.stage = ${f.stage ?? null})
                and (${f.status ?? null}::text is null or r.status = ${f.status ?? null})))
    ), filtered as (
      select * from scored s
      where ${f.health ?? null}::text is null
         or (${f.health ?? null} = 'alerts' and s.open > 0)
         or (${f.health ?? null} = 'critical' and s.critical > 0)
         or (${f.health ?? null} = 'healthy' and s.open = 0)
    ), page as (
      select f.*, count(*) over ()::int as total, row_number() over (order by ${order}) as rn from filtered f
      order by rn
      limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}
    )
    select p.id, p.slug, p.name, p.tier, p.is_canary as "isCanary", p.total,
      p.open as "openAlerts", p.critical as "criticalAlerts",
      coalesce((
        select json_agg(json_build_object(
          'migrationId', r.migration_id, 'stage', r.stage, 'stageName', s.name,
          'status', r.status, 'enteredAt', r.entered_at))
        from public.workspace_rollouts r
        join public.migration_stages s on s.migration_id = r.migration_id and s.position = r.stage
        where r.workspace_id = p.id), '[]'::json) as rollouts
    from page p
    order by p.rn`;
  return { rows, total: rows[0]?.total ?? 0 };
}
