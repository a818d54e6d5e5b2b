import "server-only";
import { staleWhileRevalidate, staleWhileRevalidateOrLater, type Viewer } from "@/lib/cache";
import { asUser, sql, type Tx } from "@/lib/db";
import { planOverview } from "@/lib/plans/queries";
import type { PlanOverviewRow } from "@/lib/plans/types";
import type { TransitionKind } from "./types";

// The overview's summary: per migration, workspaces per stage, paused, at risk,
// ready to advance and blocked (by which check), and the latest changes.
//
// "Ready" and "blocked" judge the next stage's gate for every active workspace.
// Calling the gate function per workspace (≈2 ms each) would cost 20 s and more at
// 10 000 workspaces, so the counted checks (soak, samples, feedback, alerts) are
// computed set-based in ONE query from the hourly rollups, and only the
// workspaces that pass all of them are judged by the gate function itself (its
// sequential error-rate and p95 tests). A view waits for that at most 100 ms
// (except the first after a server start): the result is kept per process and
// refreshed in the background when the rollout state changes or READINESS_TTL_MS
// passes (lib/cache.ts). The summary shows when the counts were computed.

export const GATE_CHECK_LABELS: Record<string, string> = {
  soak_time: "soak time",
  min_samples: "samples",
  error_rate: "error rate",
  p95_ratio: "p95 latency",
  negative_feedback: "negative feedback",
  open_critical_alerts: "critical alerts",
};

export interface ReadinessRow {
  workspaceId: string;
  migrationId: string;
  /** the checks of the next stage's gate that fail or lack data, in gate order; empty = ready */
  failing: string[];
}

export interface Readiness {
  rows: ReadinessRow[];
  computedAt: string;
  /** the first computation after a server start is still running: no figures yet */
  pending?: boolean;
}

const TTL_MS = Number(process.env.READINESS_TTL_MS ?? 15_000);
// The first view after a server start waits this long for the first computation
// (seconds at 10 000 workspaces), then renders without the figures and refreshes.
const FIRST_WAIT_MS = Number(process.env.READINESS_FIRST_WAIT_MS ?? 1_500);

const SUMMARY_TTL_MS = 15_000;

/**
 * A cheap fingerprint of rollout state, read on the app's own connection: the edge
 * state version (triggers advance it on every insert, update or delete of a
 * rollout, workspace, stage or flag), the latest transition and the open alerts.
 * Moves, enrolments and alerts change it.
 */
async function fingerprint(): Promise<string> {
  const [r] = await sql()<{ f: string }[]>`
    select concat_ws(':', app_private.edge_version(),
      (select max(id) from public.stage_transitions),
      (select coalesce(max(updated_at)::text, '') || '.' || count(*) from public.performance_alerts where state <> 'resolved')) as f`;
  return r.f;
}

/**
 * Gate readiness of every active, not-yet-final rollout, cached per process
 * (lib/cache.ts). A change of rollout state or TTL_MS passing starts a refresh; a
 * view waits for it at most 100 ms, else gets the last result (its computedAt says when).
 */
export async function getReadiness(viewer: Viewer, fp?: string): Promise<Readiness> {
  // Shared by every member (they all read the same rows): only a member computes it.
  if (!viewer.member) return { rows: [], computedAt: new Date().toISOString() };
  const { claims } = viewer;
  const cached = await staleWhileRevalidateOrLater("readiness", fp ?? (await fingerprint()), { ttlMs: TTL_MS, firstWaitMs: FIRST_WAIT_MS }, () => asUser(claims, (t) => computeReadiness(t)));
  return cached?.value ?? { rows: [], computedAt: new Date().toISOString(), pending: true };
}

// Checks the set-based query decides exactly (counts and times); the statistical
// checks (error rate, p95 ratio, custom checks) are sequential tests in the gate.
const COUNTED = new Set(["soak_time", "min_samples", "negative_feedback", "open_critical_alerts"]);

/**
 * A workspace that passes every counted check is judged by the gate itself
 * (public.evaluate_gate), so "ready" means exactly what an advance would find.
 * Workspaces already blocked by a counted check keep that reason without the cost
 * of the statistical tests.
 */
async function judgeExactly(tx: Tx, rows: ReadinessRow[]): Promise<ReadinessRow[]> {
  const open = rows.filter((r) => r.failing.every((c) => !COUNTED.has(c)));
  if (open.length === 0) return rows;
  const judged = await tx<{ w: string; m: string; failing: string[] }[]>`
    select x.w, x.m,
           coalesce((select array_agg(e.c ->> 'check' order by e.o)
                       from jsonb_array_elements(public.evaluate_gate(x.w, x.m) -> 'checks') with ordinality as e(c, o)
                      where e.c ->> 'status' <> 'pass'), '{}') as failing
      from unnest(${open.map((r) => r.workspaceId)}::uuid[], ${open.map((r) => r.migrationId)}::uuid[]) as x(w, m)`;
  const exact = new Map(judged.map((j) => [`${j.w}:${j.m}`, j.failing]));
  return rows.map((r) => ({ ...r, failing: exact.get(`${r.workspaceId}:${r.migrationId}`) ?? r.failing }));
}

export async function computeReadiness(tx: Tx): Promise<Readiness> {
  const computedAt = new Date().toISOString();
  const rows = await tx<ReadinessRow[]>`
    with cand as (
      select r.workspace_id, r.migration_id, r.entered_at,
             greatest(r.entered_at, now() - interval '7 days') as win_from,
             s.min_soak_minutes, s.min_samples, s.max_error_rate, s.max_p95_ratio,
             s.max_open_critical_alerts, s.max_negative_feedback
      from public.workspace_rollouts r
      join public.migration_stages s on s.migration_id = r.migration_id and s.position = r.stage + 1
      where r.status = 'active'
    ), agg as (
      select c.workspace_id, c.migration_id,
             coalesce(sum(x.n) filter (where x.metric = 'latency_ms' and x.variant = 'old'), 0) as n_old,
             coalesce(sum(x.n) filter (where x.metric = 'latency_ms' and x.variant = 'new'), 0) as n_new,
             sum(x.n) filter (where x.metric = 'error' and x.variant = 'new') as err_n,
             sum(x.sum) filter (where x.metric = 'error' and x.variant = 'new') as err_sum
      from cand c
      join public.metric_rollups_coarse x
        on x.migration_id = c.migration_id and x.workspace_id = c.workspace_id and x.resolution = 3600
       and x.metric in ('latency_ms', 'error') and x.bucket >= date_trunc('hour', c.win_from)
      group by c.workspace_id, c.migration_id
    ), alerts as (
      select a.workspace_id, a.migration_id, count(*) as crit
      from public.performance_alerts a
      where a.state <> 'resolved' and a.severity = 'critical'
      group by a.workspace_id, a.migration_id
    ), judged as (
      select c.*, coalesce(a.n_old, 0) as n_old, coalesce(a.n_new, 0) as n_new, a.err_n, a.err_sum,
        array_remove(array[
          case when c.min_soak_minutes > 0 and now() - c.entered_at < make_interval(mins => c.min_soak_minutes) then 'soak_time' end,
          case when c.min_samples > 0 and least(coalesce(a.n_old, 0), coalesce(a.n_new, 0)) < c.min_samples then 'min_samples' end,
          case when c.max_error_rate is not null and (coalesce(a.err_n, 0) = 0 or a.err_sum / a.err_n > c.max_error_rate) then 'error_rate' end,
          case when c.max_p95_ratio is not null and (coalesce(a.n_old, 0) = 0 or coalesce(a.n_new, 0) = 0) then 'p95_ratio' end,
          case when c.max_negative_feedback is not null and (
            select count(*) from public.feedback_tracking f
            where f.workspace_id = c.workspace_id and f.migration_id = c.migration_id and f.time >= c.win_from
              and (f.kind in ('complaint', 'bug') or (f.kind = 'rating' and f.rating <= 2))) > c.max_negative_feedback then 'negative_feedback' end,
          case when c.max_open_critical_alerts is not null and coalesce(al.crit, 0) > c.max_open_critical_alerts then 'open_critical_alerts' end
        ], null) as failing
      from cand c
      left join agg a on a.workspace_id = c.workspace_id and a.migration_id = c.migration_id
      left join alerts al on al.workspace_id = c.workspace_id and al.migration_id = c.migration_id
    )
    -- The p95 ratio merges histograms: only for workspaces that pass everything else.
    select j.workspace_id as "workspaceId", j.migration_id as "migrationId",
      case when cardinality(j.failing) = 0 and j.max_p95_ratio is not null and not coalesce((
        select app_private.hist_quantile(app_private.hist_sum(x.hist) filter (where x.variant = 'new'), 0.95,
                 min(x.min) filter (where x.variant = 'new'), max(x.max) filter (where x.variant = 'new'))
             <= j.max_p95_ratio * app_private.hist_quantile(app_private.hist_sum(x.hist) filter (where x.variant = 'old'), 0.95,
                 min(x.min) filter (where x.variant = 'old'), max(x.max) filter (where x.variant = 'old'))
        from public.metric_rollups_coarse x
        where x.migration_id = j.migration_id and x.workspace_id = j.workspace_id and x.resolution = 3600
          and x.metric = 'latency_ms' and x.bucket >= date_trunc('hour', j.win_from)), false)
      then array['p95_ratio'] else j.failing end as failing
    from judged j`;
  return { rows: await judgeExactly(tx, rows), computedAt };
}

export interface StageCount {
  position: number;
  name: string;
  count: number;
}

export interface MigrationSummaryCard {
  id: string;
  key: string;
  name: string;
  stages: StageCount[];
  total: number;
  paused: number;
  rolledBack24h: number;
  withAlerts: number;
  atRisk: number;
  ready: number;
  blocked: { check: string; count: number }[];
  blockedTotal: number;
  stop: StopInfo | null;
  /** the migration's live plan (or latest finished one) */
  plan: PlanOverviewRow | null;
}

export interface StopInfo {
  at: string;
  actorEmail: string | null;
  reason: string;
  workspaces: number;
}

export interface RecentChange {
  id: string;
  workspaceSlug: string;
  workspaceName: string;
  migrationKey: string;
  migrationName: string;
  fromStage: number;
  toStage: number;
  kind: TransitionKind;
  actorEmail: string | null;
  reason: string;
  createdAt: string;
}

/**
 * A migration counts as stopped from its latest emergency stop until an admin
 * resumes it (audit action `migration.resume` after the stop).
 */
export async function getStops(tx: Tx, migrationIds: string[]): Promise<Map<string, StopInfo>> {
  const rows = await tx<(StopInfo & { migrationId: string })[]>`
    select m.id as "migrationId", s.created_at as at, s.actor_email as "actorEmail", s.reason,
           (select count(*)::int from public.stage_transitions t
             where t.migration_id = m.id and t.kind = 'emergency_stop' and t.created_at = s.created_at) as workspaces
    from unnest(${migrationIds}::uuid[]) as m(id)
    cross join lateral (
      select t.created_at, t.actor_email, t.reason from public.stage_transitions t
      where t.migration_id = m.id and t.kind = 'emergency_stop'
      order by t.created_at desc limit 1) s
    where not exists (
      select 1 from public.audit_events e
      where e.action = 'migration.resume' and e.target_type = 'migration' and e.target_id = m.id::text
        and e.created_at >= s.created_at)`;
  return new Map(rows.map((r) => [r.migrationId, { at: r.at, actorEmail: r.actorEmail, reason: r.reason, workspaces: r.workspaces }]));
}

type SummaryBase = Omit<MigrationSummaryCard, "ready" | "blocked" | "blockedTotal" | "stop" | "plan">;

function summaryBase(tx: Tx): Promise<SummaryBase[]> {
  return tx<SummaryBase[]>`
    select m.id, m.key, m.name,
      coalesce((select json_agg(json_build_object('position', s.position, 'name', s.name,
         'count', coalesce(c.n, 0)) order by s.position)
       from public.migration_stages s
       left join (select r.stage, count(*)::int as n from public.workspace_rollouts r where r.migration_id = m.id group by r.stage) c
         on c.stage = s.position
       where s.migration_id = m.id), '[]'::json) as stages,
      (select count(*)::int from public.workspace_rollouts r where r.migration_id = m.id) as total,
      (select count(*)::int from public.workspace_rollouts r where r.migration_id = m.id and r.status = 'paused') as paused,
      (select count(distinct t.workspace_id)::int from public.stage_transitions t
        where t.migration_id = m.id and t.kind in ('rollback', 'auto_rollback') and t.created_at > now() - interval '24 hours') as "rolledBack24h",
      (select count(distinct a.workspace_id)::int from public.performance_alerts a
        where a.migration_id = m.id and a.state <> 'resolved') as "withAlerts",
      (select count(*)::int from (
         select a.workspace_id from public.performance_alerts a where a.migration_id = m.id and a.state <> 'resolved'
         union
         select t.workspace_id from public.stage_transitions t
          where t.migration_id = m.id and t.kind in ('rollback', 'auto_rollback') and t.created_at > now() - interval '24 hours') x) as "atRisk"
    from public.migrations m order by m.created_at, m.key`;
}

/** What the summary reads that only a move, an enrolment, a stop or an alert changes. */
async function summaryFacts(tx: Tx): Promise<{ base: SummaryBase[]; stops: Map<string, StopInfo>; recent: RecentChange[] }> {
  const base = await summaryBase(tx);
  const [stops, recent] = await Promise.all([
    getStops(tx, base.map((m) => m.id)),
    tx<RecentChange[]>`
      select t.id::text, w.slug as "workspaceSlug", w.name as "workspaceName", m.key as "migrationKey", m.name as "migrationName",
             t.from_stage as "fromStage", t.to_stage as "toStage", t.kind, t.actor_email as "actorEmail", t.reason, t.created_at as "createdAt"
      from (select * from public.stage_transitions where kind <> 'enroll' order by created_at desc, id desc limit 8) t
      join public.workspaces w on w.id = t.workspace_id
      join public.migrations m on m.id = t.migration_id
      order by t.created_at desc, t.id desc`,
  ]);
  return { base, stops, recent };
}

/**
 * The summary. Its per-migration counts read every rollout (40 ms at 10 000
 * workspaces): they, the stops and the recent changes are cached like the
 * readiness, under the same fingerprint (a resume changes rollouts, so the edge
 * version moves with it), and recomputed at once (the view waits for it) when it
 * changes; "rolled back in the last 24 h" moves on within SUMMARY_TTL_MS. The plan
 * line is read on every view (plans change without touching a rollout).
 */
export async function getOverviewSummary(tx: Tx, viewer: Viewer): Promise<{ migrations: MigrationSummaryCard[]; recent: RecentChange[]; readinessAt: string; readinessPending: boolean }> {
  const fp = await fingerprint();
  const [{ value: facts }, readiness, plans] = await Promise.all([
    staleWhileRevalidate(`summary:${viewer.claims.sub}`, fp, { ttlMs: SUMMARY_TTL_MS }, () => asUser(viewer.claims, summaryFacts)),
    getReadiness(viewer, fp),
    planOverview(tx),
  ]);
  const { base, stops, recent } = facts;
  const migrations = base.map((m) => {
    const mine = readiness.rows.filter((r) => r.migrationId === m.id);
    const blockedBy = new Map<string, number>();
    let ready = 0;
    for (const r of mine) {
      if (r.failing.length === 0) ready++;
      for (const c of r.failing) blockedBy.set(c, (blockedBy.get(c) ?? 0) + 1);
    }
    const order = Object.keys(GATE_CHECK_LABELS);
    return {
      ...m,
      ready,
      blockedTotal: mine.length - ready,
      blocked: [...blockedBy.entries()].map(([check, count]) => ({ check, count })).sort((a, b) => order.indexOf(a.check) - order.indexOf(b.check)),
      stop: stops.get(m.id) ?? null,
      plan: plans.find((p) => p.migrationId === m.id) ?? null,
    };
  });
  return { migrations, recent, readinessAt: readiness.computedAt, readinessPending: readiness.pending === true };
}

/** Workspace ids of a migration in a readiness state, for the overview table's filter. */
export async function readinessFilterIds(tx: Tx, viewer: Viewer, migrationKey: string, gate: string): Promise<string[]> {
  const [m] = await tx<{ id: string }[]>`select id from public.migrations where key = ${migrationKey}`;
  if (!m) return [];
  const { rows } = await getReadiness(viewer);
  const check = gate.startsWith("blocked-") ? gate.slice("blocked-".length) : null;
  return rows
    .filter((r) => r.migrationId === m.id)
    .filter((r) => (gate === "ready" ? r.failing.length === 0 : gate === "blocked" ? r.failing.length > 0 : check !== null && r.failing.includes(check)))
    .map((r) => r.workspaceId);
}
