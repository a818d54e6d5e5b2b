import "server-only";
import { staleWhileRevalidate, type Viewer } from "@/lib/cache";
import { asUser, sql, type Tx } from "@/lib/db";

// Reads for the Flags pages, run as the signed-in user (RLS: viewers and up).

export interface FlagRow {
  id: string;
  key: string;
  description: string;
  migrationId: string | null;
  migrationKey: string | null;
  migrationName: string | null;
  minStage: number | null;
  minStageName: string | null;
  enabled: boolean;
  rolloutBps: number;
  killed: boolean;
  version: string;
  updatedAt: Date;
  overrides: number;
}

export async function listFlags(tx: Tx): Promise<FlagRow[]> {
  return tx<FlagRow[]>`
    select f.id, f.key, f.description, f.migration_id as "migrationId", m.key as "migrationKey", m.name as "migrationName",
           f.min_stage as "minStage", s.name as "minStageName", f.enabled, f.rollout_bps as "rolloutBps", f.killed,
           f.version::text as version, f.updated_at as "updatedAt",
           (select count(*)::int from public.flag_overrides o where o.flag_id = f.id) as overrides
    from public.feature_flags f
    left join public.migrations m on m.id = f.migration_id
    left join public.migration_stages s on s.migration_id = f.migration_id and s.position = f.min_stage
    order by m.created_at nulls last, f.min_stage nulls first, f.key`;
}

export async function getFlag(tx: Tx, key: string): Promise<FlagRow | null> {
  const rows = await listFlags(tx);
  return rows.find((f) => f.key === key) ?? null;
}

/** How many workspaces each flag is on for (evaluated with the workspace id as the unit). */
async function countWorkspacesOn(tx: Tx): Promise<Map<string, number>> {
  const rows = await tx<{ key: string; n: number }[]>`
    select e.key, count(*) filter (where e.value)::int as n
    from public.workspaces w cross join lateral public.evaluate_flags(w.id, null) e group by e.key`;
  return new Map(rows.map((r) => [r.key, r.n]));
}

const ON_TTL_MS = 30_000;

/**
 * Per flag, how many workspaces it is on for (the workspace as the unit). Every
 * workspace's flags are evaluated by the one evaluation function: 3 s at 10 000
 * workspaces, so the counts are cached per process (lib/cache.ts) under the edge's
 * state version, which every change of flags, overrides, rollouts, workspaces and
 * stages advances, and refreshed in the background.
 */
export async function workspacesOn(viewer: Viewer): Promise<{ counts: Map<string, number>; at: number }> {
  if (!viewer.member) return { counts: new Map(), at: Date.now() };
  const [{ v }] = await sql()<{ v: string }[]>`select app_private.edge_version()::text as v`;
  const { value, at } = await staleWhileRevalidate("flag-counts", v, { ttlMs: ON_TTL_MS }, () => asUser(viewer.claims, countWorkspacesOn));
  return { counts: value, at };
}

export interface WorkspaceEligibility {
  id: string;
  slug: string;
  name: string;
  /** Why the percentage does not decide for this workspace, or null when it does. */
  fixed: "killed" | "override_on" | "override_off" | "not_enrolled" | "stage_not_reached" | null;
  stage: number | null;
}

/** Per workspace: whether the flag's percentage decides, so the editor can preview a change. */
export async function eligibility(tx: Tx, flagId: string): Promise<WorkspaceEligibility[]> {
  return tx<WorkspaceEligibility[]>`
    select w.id, w.slug, w.name, r.stage,
      case when f.killed then 'killed'
           when o.value is not null then case when o.value then 'override_on' else 'override_off' end
           when f.migration_id is not null and r.stage is null then 'not_enrolled'
           when f.migration_id is not null and r.stage < f.min_stage then 'stage_not_reached'
      end as fixed
    from public.feature_flags f
    cross join public.workspaces w
    left join public.flag_overrides o on o.flag_id = f.id and o.workspace_id = w.id
    left join public.workspace_rollouts r on r.workspace_id = w.id and r.migration_id = f.migration_id
    where f.id = ${flagId}
    order by w.is_canary desc, w.name`;
}

export interface FlagChange {
  id: string;
  action: string;
  workspaceSlug: string | null;
  actorEmail: string | null;
  reason: string;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  createdAt: Date;
}

export async function flagHistory(tx: Tx, flagId: string, limit = 100): Promise<FlagChange[]> {
  return tx<FlagChange[]>`
    select c.id::text, c.action, w.slug as "workspaceSlug", c.actor_email as "actorEmail", c.reason, c.before, c.after, c.created_at as "createdAt"
    from public.flag_changes c left join public.workspaces w on w.id = c.workspace_id
    where c.flag_id = ${flagId} order by c.created_at desc, c.id desc limit ${limit}`;
}

export interface OverrideRow {
  workspaceId: string;
  slug: string;
  name: string;
  value: boolean;
  reason: string;
  createdAt: Date;
}

export async function flagOverrides(tx: Tx, flagId: string): Promise<OverrideRow[]> {
  return tx<OverrideRow[]>`
    select o.workspace_id as "workspaceId", w.slug, w.name, o.value, o.reason, o.created_at as "createdAt"
    from public.flag_overrides o join public.workspaces w on w.id = o.workspace_id
    where o.flag_id = ${flagId} order by w.name`;
}

export async function migrationsWithStages(tx: Tx) {
  return tx<{ id: string; key: string; name: string; stages: { position: number; name: string }[] }[]>`
    select m.id, m.key, m.name,
      coalesce((select json_agg(json_build_object('position', s.position, 'name', s.name) order by s.position)
                from public.migration_stages s where s.migration_id = m.id), '[]') as stages
    from public.migrations m order by m.created_at`;
}

/** 2500 → "25 %", 1 → "0.01 %". */
export function formatBps(bps: number): string {
  return `${(bps / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} %`;
}
