import "server-only";
import { staleWhileRevalidate } from "@/lib/cache";
import { asUser, sql, type Claims, type Tx } from "@/lib/db";
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

/**
 * One page of a migration's workspaces with health signals, in wave order (canaries
 * first). Only the page's rows are read in full: at 10 000 workspaces the page costs
 * one ordered scan of the migration's rollouts, not 10 000 rows sent to the app.
 */
export async function listMigrationWorkspaces(tx: Tx, migrationId: string, page: { limit: number; offset: number }): Promise<MigrationWorkspaceRow[]> {
  return tx<MigrationWorkspaceRow[]>`
    with page as (
      select r.workspace_id, r.migration_id, r.stage, r.status, r.entered_at, w.slug, w.name, w.tier, w.is_canary,
             row_number() over (order by app_private.wave_order_key(r.migration_id, r.workspace_id, w.is_canary)) as rn
      from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
      where r.migration_id = ${migrationId}
      order by app_private.wave_order_key(r.migration_id, r.workspace_id, w.is_canary)
      limit ${page.limit} offset ${page.offset}
    )
    select p.workspace_id as "workspaceId", p.slug, p.name, p.tier, p.is_canary as "isCanary",
           p.stage, p.status, p.entered_at as "enteredAt",
           (select count(*)::int from public.performance_alerts a where a.workspace_id = p.workspace_id and a.migration_id = p.migration_id and a.state <> 'resolved') as "openAlerts",
           (select count(*)::int from public.performance_alerts a where a.workspace_id = p.workspace_id and a.migration_id = p.migration_id and a.state <> 'resolved' and a.severity = 'critical') as "criticalAlerts"
    from page p
    order by p.rn`;
}

/** Workspaces per stage of a migration (stage → count). */
export async function migrationStageCounts(tx: Tx, migrationId: string): Promise<Record<number, number>> {
  const rows = await tx<{ stage: number; n: number }[]>`
    select stage, count(*)::int as n from public.workspace_rollouts where migration_id = ${migrationId} group by stage`;
  return Object.fromEntries(rows.map((r) => [r.stage, r.n]));
}

/** Workspaces per stage at the end of each day over the last `days` days, from the transition log. */
export async function stageHistory(tx: Tx, migrationId: string, days = 30): Promise<{ day: string; counts: Record<string, number> }[]> {
  // Each transition holds its stage until the workspace's next transition. A span
  // counts for a day when it covers the day's end: +1 at the first day end after it
  // starts, -1 at the first day end after it stops (spans before the window land on
  // its first day). A running sum per stage then gives each day's count: one pass
  // over the log and a few hundred aggregated rows, no span × day join.
  const rows = await tx<{ day: string; stage: number; n: number }[]>`
    with spans as (
      select t.to_stage as stage, t.created_at as since,
             lead(t.created_at) over (partition by t.workspace_id order by t.created_at, t.id) as until
      from public.stage_transitions t
      where t.migration_id = ${migrationId}
    ), bounds as (
      select date_trunc('day', now()) - make_interval(days => ${days - 1}) + interval '1 day' as first_end
    ), deltas as (
      select greatest(date_trunc('day', s.since) + interval '1 day', b.first_end) as e, s.stage, 1 as d from spans s, bounds b
      union all
      select greatest(date_trunc('day', s.until) + interval '1 day', b.first_end), s.stage, -1 from spans s, bounds b where s.until is not null
    ), agg as (
      select e, stage, sum(d) as d from deltas group by e, stage
    ), counts as (
      select d.day, st.stage,
             (select coalesce(sum(a.d), 0) from agg a where a.stage = st.stage and a.e <= d.day + interval '1 day')::int as n
      from generate_series(date_trunc('day', now()) - make_interval(days => ${days - 1}), date_trunc('day', now()), interval '1 day') d(day)
      cross join (select distinct stage from agg) st
    )
    select to_char(c.day, 'YYYY-MM-DD') as day, c.stage, c.n from counts c where c.n > 0 order by c.day, c.stage`;
  const byDay = new Map<string, Record<string, number>>();
  for (const r of rows) {
    const c = byDay.get(r.day) ?? {};
    c[`s${r.stage}`] = r.n;
    byDay.set(r.day, c);
  }
  return [...byDay.entries()].map(([day, counts]) => ({ day, counts }));
}

/**
 * stageHistory, cached per process (lib/cache.ts): the transition log is
 * append-only and stamped with the time of the write, so the history changes only
 * with a new transition (the latest transition id is in the fingerprint) or a new
 * day. 65 ms at 10 000 workspaces; a view after a move waits for the new history.
 */
export async function cachedStageHistory(claims: Claims, migrationId: string, days = 30): Promise<{ day: string; counts: Record<string, number> }[]> {
  const [{ f }] = await sql()<{ f: string }[]>`select concat_ws(':', (select max(id) from public.stage_transitions), current_date) as f`;
  const { value } = await staleWhileRevalidate(`history:${claims.sub}:${migrationId}:${days}`, f, { ttlMs: 60_000 }, () =>
    asUser(claims, (tx) => stageHistory(tx, migrationId, days)));
  return value;
}
