// Worker tasks of the telemetry module (wired into lib/jobs/tasks.ts).
import type { Task, TaskList } from "graphile-worker";

/** Days of raw metric samples kept (RAW_RETENTION_DAYS, default 14); rollups are kept for good. */
export function rawRetentionDays(): number {
  const days = Number(process.env.RAW_RETENTION_DAYS ?? 14);
  return Number.isFinite(days) && days >= 1 ? Math.floor(days) : 14;
}

/** Deletes raw samples past retention and expired idempotency keys. Idempotent. */
export const pruneRawMetrics: Task = async (_payload, helpers) => {
  const days = rawRetentionDays();
  const { rows } = await helpers.withPgClient((client) =>
    client.query<{ deleted: string }>("select public.prune_raw_metrics(make_interval(days => $1)) as deleted", [days]),
  );
  helpers.logger.info(`pruned ${rows[0]?.deleted ?? 0} raw metric samples older than ${days} days`);
};

export const telemetryTasks: TaskList = { prune_raw_metrics: pruneRawMetrics };

/** graphile-worker crontab line: prune every hour at minute 17. */
export const TELEMETRY_CRONTAB = "17 * * * * prune_raw_metrics ?max=1";
