import "server-only";
import type { Tx } from "@/lib/db";
import type { RolloutStatus, StageRow, TransitionRow } from "./types";

export interface WorkspaceHeader {
  id: string;
  slug: string;
  name: string;
  tier: string;
  isCanary: boolean;
}

export interface WorkspaceRollout {
  migrationId: string;
  migrationKey: string;
  migrationName: string;
  stage: number;
  status: RolloutStatus;
  enteredAt: string;
  version: string;
  stages: StageRow[];
}

export async function getWorkspace(tx: Tx, slug: string): Promise<WorkspaceHeader | null> {
  const [w] = await tx<WorkspaceHeader[]>`
    select id, slug, name, tier, is_canary as "isCanary" from public.workspaces where slug = ${slug}`;
  return w ?? null;
}

const STAGE_COLUMNS = `json_agg(json_build_object(
  'position', s.position, 'key', s.key, 'name', s.name, 'description', s.description,
  'minSoakMinutes', s.min_soak_minutes, 'minSamples', s.min_samples, 'maxErrorRate', s.max_error_rate,
  'maxP95Ratio', s.max_p95_ratio, 'maxOpenCriticalAlerts', s.max_open_critical_alerts,
  'maxNegativeFeedback', s.max_negative_feedback) order by s.position)`;

export async function getWorkspaceRollouts(tx: Tx, workspaceId: string): Promise<WorkspaceRollout[]> {
  return tx<WorkspaceRollout[]>`
    select r.migration_id as "migrationId", m.key as "migrationKey", m.name as "migrationName",
           r.stage, r.status, r.entered_at as "enteredAt", r.version::text as version,
           (select ${tx.unsafe(STAGE_COLUMNS)} from public.migration_stages s where s.migration_id = r.migration_id) as stages
    from public.workspace_rollouts r join public.migrations m on m.id = r.migration_id
    where r.workspace_id = ${workspaceId}
    order by m.created_at, m.key`;
}

export async function getTransitions(tx: Tx, workspaceId: string, migrationId: string, limit = 50): Promise<TransitionRow[]> {
  return tx<TransitionRow[]>`
    select id::text, from_stage as "fromStage", to_stage as "toStage", kind, status_after as "statusAfter",
           actor_email as "actorEmail", reason, gate_report as "gateReport", created_at as "createdAt"
    from public.stage_transitions
    where workspace_id = ${workspaceId} and migration_id = ${migrationId}
    order by created_at desc, id desc
    limit ${limit}`;
}

export interface MigrationHeader {
  id: string;
  key: string;
  name: string;
  description: string;
  stages: StageRow[];
}

export async function getMigration(tx: Tx, key: string): Promise<MigrationHeader | null> {
  const [m] = await tx<MigrationHeader[]>`
    select m.id, m.key, m.name, m.description,
      coalesce((select ${tx.unsafe(STAGE_COLUMNS)} from public.migration_stages s where s.migration_id = m.id), '[]'::json) as stages
    from public.migrations m where m.key = ${key}`;
  return m ?? null;
}

export interface MigrationSummary {
  id: string;
  key: string;
  name: string;
  description: string;
  stages: { position: number; name: string; count: number }[];
  paused: number;
  total: number;
}

export async function listMigrations(tx: Tx): Promise<MigrationSummary[]> {
  return tx<MigrationSummary[]>`
    select m.id, m.key, m.name, m.description,
      (select json_agg(json_build_object('position', s.position, 'name', s.name,
         'count', (select count(*) from public.workspace_rollouts r where r.migration_id = m.id and r.stage = s.position)) order by s.position)
       from public.migration_stages s where s.migration_id = m.id) as stages,
      (select count(*)::int from public.workspace_rollouts r where r.migration_id = m.id and r.status = 'paused') as paused,
      (select count(*)::int from public.workspace_rollouts r where r.migration_id = m.id) as total
    from public.migrations m order by m.created_at, m.key`;
}

export interface MigrationWorkspaceRow {
  workspaceId: string;
  slug: string;
  name: string;
  tier: string;
  isCanary: boolean;
  stage: number;
  status: RolloutStatus;
  enteredAt: string;
  openAlerts: number;
  criticalAlerts: number;
}

/** Workspaces of a migration with health signals, in wave order (canaries first). */
export async function listMigrationWorkspaces(tx: Tx, migrationId: string): Promise<MigrationWorkspaceRow[]> {
  return tx<MigrationWorkspaceRow[]>`
    select r.workspace_id as "workspaceId", w.slug, w.name, w.tier, w.is_canary as "isCanary",
           r.stage, r.status, r.entered_at as "enteredAt",
           (select count(*)::int from public.performance_alerts a where a.workspace_id = r.workspace_id and a.migration_id = r.migration_id and a.state <> 'resolved') as "openAlerts",
           (select count(*)::int from public.performance_alerts a where a.workspace_id = r.workspace_id and a.migration_id = r.migration_id and a.state <> 'resolved' and a.severity = 'critical') as "criticalAlerts"
    from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
    where r.migration_id = ${migrationId}
    order by w.is_canary desc, md5(r.migration_id::text || ':' || r.workspace_id::text)`;
}

/** Workspaces per stage at the end of each day over the last `days` days, from the transition log. */
export async function stageHistory(tx: Tx, migrationId: string, days = 30): Promise<{ day: string; counts: Record<string, number> }[]> {
  // Each transition holds its stage until the workspace's next transition; a day
  // counts the spans that cover its end. One pass over the log, no per-day lookups.
  const rows = await tx<{ day: string; stage: number; n: number }[]>`
    with spans as (
      select t.to_stage as stage, t.created_at as since,
             lead(t.created_at) over (partition by t.workspace_id order by t.created_at, t.id) as until
      from public.stage_transitions t
      where t.migration_id = ${migrationId}
    ), days as (
      select d + interval '1 day' as day_end, d as day
      from generate_series(date_trunc('day', now()) - make_interval(days => ${days - 1}), date_trunc('day', now()), interval '1 day') d
    )
    select to_char(d.day, 'YYYY-MM-DD') as day, s.stage, count(*)::int as n
    from days d join spans s on s.since < d.day_end and (s.until is null or s.until >= d.day_end)
    group by d.day, s.stage order by d.day, s.stage`;
  const byDay = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const c = byDay.get(r.day) ?? {};
    c[`s${r.stage}`] = r.n;
    byDay.set(r.day, c);
  }
  return [...byDay.entries()].map(([day, counts]) => ({ day, counts }));
}
