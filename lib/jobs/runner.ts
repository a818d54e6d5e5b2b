// Starts the graphile-worker runner with our tasks and schedule, plus a liveness
// loop: heartbeats for our workers, and unlocking of jobs held by workers whose
// heartbeat stopped (a process killed mid-delivery), so their jobs run again in
// seconds. Several worker processes may run against one database.
import { EventEmitter } from "node:events";
import { Logger, makeWorkerUtils, run, type Runner, type WorkerEvents } from "graphile-worker";
import { log as rootLog } from "../log";
import postgres from "postgres";
import { crontab, taskList } from "./tasks";

const BEAT_MS = 3_000;

// graphile-worker's messages through our structured log. A failed attempt is
// expected (retries with backoff), so it is a warning, not an error.
const workerLogger = new Logger((scope) => (level, message, meta) => {
  const child = rootLog.child({ component: "worker", task: scope.taskIdentifier, jobId: scope.jobId });
  if (level === "error") child.warn(meta ?? {}, message);
  else if (level === "warning") child.warn(meta ?? {}, message);
  else child.debug(meta ?? {}, message);
});
const STALE_SECONDS = 15;

export interface WorkerHandle {
  runner: Runner;
  stop: () => Promise<void>;
}

export async function startWorker(
  connectionString: string,
  opts: { concurrency?: number; schedule?: boolean; log?: (m: string) => void; /** only these tasks (default: all) */ tasks?: string[] } = {},
): Promise<WorkerHandle> {
  const log = opts.log ?? (() => {});
  const events: WorkerEvents = new EventEmitter() as WorkerEvents;
  const ourWorkers = new Set<string>();
  events.on("worker:create", ({ worker }) => ourWorkers.add(worker.workerId));
  events.on("worker:release", ({ worker }) => ourWorkers.delete(worker.workerId));

  const sql = postgres(connectionString, { max: 1, onnotice: () => {} });
  const utils = await makeWorkerUtils({ connectionString });

  async function liveness() {
    const ids = [...ourWorkers];
    if (ids.length) {
      await sql`insert into app_private.worker_heartbeats (worker_id, beat_at)
                select unnest(${ids}::text[]), now()
                on conflict (worker_id) do update set beat_at = now()`;
    }
    const dead = await sql<{ locked_by: string }[]>`
      select distinct j.locked_by from graphile_worker._private_jobs j
      where j.locked_by is not null and j.locked_at < now() - make_interval(secs => ${STALE_SECONDS})
        and not exists (select 1 from app_private.worker_heartbeats h
                        where h.worker_id = j.locked_by and h.beat_at > now() - make_interval(secs => ${STALE_SECONDS}))`;
    if (dead.length) {
      await utils.forceUnlockWorkers(dead.map((d) => d.locked_by));
      log(`unlocked jobs of ${dead.length} dead worker(s): ${dead.map((d) => d.locked_by).join(", ")}`);
    }
    await sql`delete from app_private.worker_heartbeats where beat_at < now() - interval '1 hour'`;
  }

  const runner = await run({
    connectionString,
    concurrency: opts.concurrency ?? Number(process.env.WORKER_CONCURRENCY ?? 4),
    pollInterval: 1000,
    noHandleSignals: true,
    logger: workerLogger,
    // A worker limited to some tasks leaves every other job to the workers that run it.
    taskList: opts.tasks ? Object.fromEntries(Object.entries(taskList).filter(([name]) => opts.tasks!.includes(name))) : taskList,
    // The schedule (sweep, retention) can be left to other instances, e.g. in tests.
    crontab: opts.schedule === false || process.env.WORKER_SCHEDULE === "off" ? "" : crontab,
    events,
  });
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await liveness().catch((e) => log(`liveness check failed: ${e instanceof Error ? e.message : String(e)}`));
      await new Promise((r) => setTimeout(r, BEAT_MS));
    }
  })();

  return {
    runner,
    stop: async () => {
      stopped = true;
      await runner.stop().catch(() => {});
      await loop;
      await utils.release();
      await sql.end();
    },
  };
}
