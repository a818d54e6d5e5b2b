// The Prometheus source task: for each enabled source that is due (or the one named),
// one evaluation time (now aligned down to the source's interval, or the payload's
// `at`), an instant query per enrolled workspace and variant, then one SQL call that
// stores the values as samples exactly once per (source, workspace, variant, time),
// records the run's status and reasons, and the guardrail hook for what it stored.
// Idempotent: a retried or duplicated job for the same time stores nothing twice.
import type { PoolClient } from "pg";
import type { JobHelpers, Task } from "graphile-worker";
import { z } from "zod";
import { DestinationRefused, getGuarded, ResponseTooLarge } from "../security/outbound";
import { alignedEvaluationTime, prometheusLimits, readQueryAnswer, renderQuery, type QueryOutcome } from "../telemetry/prometheus";
import { deliveryError } from "./deliver-notification";

const Payload = z
  .object({
    sourceId: z.string().uuid().optional(),
    /** evaluation time, epoch seconds; at most a day back and a minute ahead */
    at: z.number().finite().optional(),
  })
  .strict();

interface Source {
  id: string;
  migration_id: string;
  migration_key: string;
  base_url: string;
  query: string;
  window_seconds: number;
  interval_seconds: number;
  last_evaluated_at: Date | null;
}

interface WorkspaceResult {
  w: string;
  status: "ok" | "no_data" | "error";
  reason: string | null;
  old: number[];
  new: number[];
}

export interface RunSummary {
  source: string;
  at: number;
  status: "ok" | "no_data" | "error";
  error: string | null;
  stored: number;
}

/** An error from a connection attempt, in words that reveal nothing of the far side. */
function connectionReason(e: unknown): string {
  if (e instanceof ResponseTooLarge) return `refused: ${e.message}`;
  if (e instanceof DestinationRefused) return "refused: Prometheus is not at a public address (NOTIFY_ALLOWED_HOSTS lists exceptions)";
  return `Prometheus unreachable: ${deliveryError(e)}`;
}

async function query(src: Source, promql: string, at: number, limits = prometheusLimits()): Promise<QueryOutcome & { connection?: boolean }> {
  const url = new URL("api/v1/query", src.base_url.endsWith("/") ? src.base_url : `${src.base_url}/`);
  url.searchParams.set("query", promql);
  url.searchParams.set("time", String(at));
  try {
    const r = await getGuarded(url.toString(), { accept: "application/json", "user-agent": "rollout-console-prometheus/1" }, limits.timeoutMs, limits.maxResponseBytes);
    return readQueryAnswer(r.status, r.body, limits);
  } catch (e) {
    return { kind: "error", reason: connectionReason(e), connection: !(e instanceof ResponseTooLarge) };
  }
}

/** Runs one source at one evaluation time and stores its results. */
export async function runSource(client: PoolClient, src: Source, at: number): Promise<RunSummary> {
  const limits = prometheusLimits();
  const { rows: workspaces } = await client.query<{ id: string; slug: string }>(
    `select w.id, w.slug from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
      where r.migration_id = $1 order by w.slug limit $2`,
    [src.migration_id, limits.maxWorkspacesPerRun + 1],
  );
  const truncated = workspaces.length > limits.maxWorkspacesPerRun;
  if (truncated) workspaces.length = limits.maxWorkspacesPerRun;

  const results: WorkspaceResult[] = workspaces.map((w) => ({ w: w.id, status: "ok", reason: null, old: [], new: [] }));
  const counts = { queries: 0, with_series: 0, no_series: 0, errors: 0, dropped_values: 0, over_budget: 0, workspaces: workspaces.length, truncated };
  let budget = limits.maxSamplesPerRun;
  let down: string | null = null; // once Prometheus cannot be reached, the rest of the run is not tried
  const reasons: string[] = [];
  const lines: { old?: string; new?: string }[] = workspaces.map(() => ({}));

  // Two queries per workspace, four at a time.
  const jobs = workspaces.flatMap((w, i) => (["old", "new"] as const).map((variant) => ({ w, i, variant })));
  let next = 0;
  async function lane() {
    while (next < jobs.length) {
      const { w, i, variant } = jobs[next++];
      const r = results[i];
      let out: QueryOutcome & { connection?: boolean };
      if (down) out = { kind: "error", reason: down };
      else {
        counts.queries++;
        out = await query(src, renderQuery(src.query, { workspace: w.slug, variant, migration: src.migration_key, windowSeconds: src.window_seconds }), at, limits);
        if (out.kind === "error" && out.connection) down = out.reason;
      }
      let problem: { status: "no_data" | "error"; reason: string } | null = null;
      if (out.kind === "values") {
        counts.with_series++;
        counts.dropped_values += out.dropped;
        if (out.values.length > budget) {
          counts.over_budget += out.values.length;
          problem = { status: "error", reason: `the run's sample limit (${limits.maxSamplesPerRun}) was reached` };
        } else {
          budget -= out.values.length;
          r[variant] = out.values;
        }
      } else if (out.kind === "no_data") {
        counts.no_series++;
        problem = { status: "no_data", reason: out.reason };
      } else {
        counts.errors++;
        problem = { status: "error", reason: out.reason };
      }
      if (problem) {
        // an error outranks "no data" for the workspace's status
        if (r.status === "ok" || (r.status === "no_data" && problem.status === "error")) r.status = problem.status;
        lines[i][variant] = problem.reason;
        if (reasons.length < 3) reasons.push(`${w.slug}/${variant}: ${problem.reason}`);
      }
    }
  }
  await Promise.all(Array.from({ length: 4 }, lane));
  lines.forEach((l, i) => {
    const parts = (["old", "new"] as const).filter((v) => l[v]).map((v) => `${v}: ${l[v]}`);
    results[i].reason = parts.length ? parts.join("; ") : null;
  });

  const status: RunSummary["status"] = counts.errors > 0 ? "error" : counts.with_series === 0 ? "no_data" : "ok";
  const problems = counts.errors + counts.no_series + (counts.over_budget ? 1 : 0);
  let error: string | null = null;
  if (workspaces.length === 0) error = "no workspace is enrolled in this migration";
  else if (problems) error = `${problems} of ${counts.queries || jobs.length} queries without data: ${reasons.join("; ")}${problems > reasons.length ? "; …" : ""}`;
  if (truncated) error = `${error ? `${error}. ` : ""}Only the first ${limits.maxWorkspacesPerRun} workspaces (by slug) were queried (PROM_MAX_WORKSPACES)`;

  const { rows } = await client.query<{ r: { stored: number; workspace_ids: string[]; migration_id: string } }>(
    "select app_private.store_prometheus_run($1, to_timestamp($2), $3, $4, $5, $6) as r",
    [src.id, at, workspaces.length === 0 ? "no_data" : status, error, JSON.stringify(counts), JSON.stringify(results)],
  );
  const stored = Number(rows[0]?.r.stored ?? 0);
  if (stored > 0) {
    // the same hook the ingest API runs after a batch: guardrails act within the run
    await client.query("select public.after_telemetry_batch($1::uuid[], $2::uuid[])", [rows[0].r.workspace_ids, [rows[0].r.migration_id]]);
  }
  return { source: src.id, at, status: workspaces.length === 0 ? "no_data" : status, error, stored };
}

/** The due sources (or the one named), each at its evaluation time. */
export async function runDueSources(client: PoolClient, opts: { sourceId?: string; at?: number; nowMs?: number } = {}): Promise<RunSummary[]> {
  const nowMs = opts.nowMs ?? Date.now();
  const { rows } = await client.query<Source>(
    `select s.id, s.migration_id, m.key as migration_key, s.base_url, s.query, s.window_seconds, s.interval_seconds, s.last_evaluated_at
       from public.prometheus_sources s join public.migrations m on m.id = s.migration_id
      where s.enabled and ($1::uuid is null or s.id = $1) order by s.id`,
    [opts.sourceId ?? null],
  );
  const out: RunSummary[] = [];
  for (const src of rows) {
    const at = opts.at ?? alignedEvaluationTime(nowMs, src.interval_seconds);
    // on the schedule, a source already evaluated for this interval waits for the next one
    if (opts.at === undefined && !opts.sourceId && src.last_evaluated_at && src.last_evaluated_at.getTime() / 1000 >= at) continue;
    out.push(await runSource(client, src, at));
  }
  return out;
}

export const prometheusQuery: Task = async (raw, helpers: JobHelpers) => {
  const parsed = Payload.safeParse(raw ?? {});
  if (!parsed.success) throw new Error(`prometheus_query: bad payload: ${parsed.error.issues[0]?.message}`);
  const { at, sourceId } = parsed.data;
  const now = Date.now() / 1000;
  if (at !== undefined && (at > now + 60 || at < now - 86_400)) {
    helpers.logger.warn(`prometheus_query: evaluation time ${at} is outside [now − 1 day, now + 1 min]; skipped`);
    return;
  }
  const runs = await helpers.withPgClient((client) => runDueSources(client, { at, sourceId }));
  for (const r of runs) if (r.status !== "ok") helpers.logger.info(`prometheus source ${r.source}: ${r.status} — ${r.error ?? ""}`);
};
