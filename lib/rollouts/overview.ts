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

export interface OverviewFilter {
  q?: string;
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

/** One page of workspaces with their position in every migration (RLS applies). */
export async function listOverview(tx: Tx, f: OverviewFilter): Promise<{ rows: OverviewRow[]; total: number }> {
  const pattern = f.q ? `%${f.q.replace(/[\\%_]/g, (c) => "\\" + c)}%` : null;
  const rows = await tx<(OverviewRow & { total: number })[]>`
    with filtered as (
      select w.* from public.workspaces w
      where ${pattern}::text is null or w.name ilike ${pattern} or w.slug ilike ${pattern}
    ), page as (
      select f.*, count(*) over ()::int as total from filtered f
      order by f.is_canary desc, f.name
      limit ${f.pageSize} offset ${(f.page - 1) * f.pageSize}
    )
    select p.id, p.slug, p.name, p.tier, p.is_canary as "isCanary", p.total,
      (select count(*)::int from public.performance_alerts a where a.workspace_id = p.id and a.state <> 'resolved') as "openAlerts",
      (select count(*)::int from public.performance_alerts a where a.workspace_id = p.id and a.state <> 'resolved' and a.severity = 'critical') as "criticalAlerts",
      coalesce((
        select json_agg(json_build_object(
          'migrationId', r.migration_id, 'stage', r.stage, 'stageName', s.name,
          'status', r.status, 'enteredAt', r.entered_at))
        from public.workspace_rollouts r
        join public.migration_stages s on s.migration_id = r.migration_id and s.position = r.stage
        where r.workspace_id = p.id), '[]'::json) as rollouts
    from page p
    order by p.is_canary desc, p.name`;
  return { rows, total: rows[0]?.total ?? 0 };
}
