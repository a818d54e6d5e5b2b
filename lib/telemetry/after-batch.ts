import "server-only";
import { asService } from "@/lib/db";
import { log as rootLog } from "@/lib/log";

// Runs public.after_telemetry_batch (guardrail evaluation) after batches commit,
// coalesced per server process: one evaluation at a time, at most one start per
// AFTER_BATCH_INTERVAL_MS (default 1 s). A batch that finds the evaluator idle
// waits for its own evaluation (a lone sender sees guardrails act before its
// request returns); batches arriving meanwhile are folded into one trailing run a
// moment later. Under load this keeps evaluation to ~1 per second instead of one
// per batch, and a regression is still acted on within about a second.
const pendingWorkspaces = new Set<string>();
const pendingMigrations = new Set<string>();
let running = false;
let lastStart = 0;
let timer: ReturnType<typeof setTimeout> | null = null;

const interval = () => Number(process.env.AFTER_BATCH_INTERVAL_MS ?? 1000);

async function run(): Promise<void> {
  const ws = [...pendingWorkspaces];
  const mig = [...pendingMigrations];
  pendingWorkspaces.clear();
  pendingMigrations.clear();
  running = true;
  lastStart = Date.now();
  try {
    await asService((tx) => tx`select public.after_telemetry_batch(${ws}::uuid[], ${mig}::uuid[])`);
  } catch (e) {
    // Never fails an ingest: the batch is stored; the worker's periodic sweep catches up.
    rootLog.error({ err: e }, "after_telemetry_batch failed (batches were stored)");
  } finally {
    running = false;
    if (pendingWorkspaces.size) schedule();
  }
}

function schedule() {
  if (timer || running) return;
  timer = setTimeout(() => {
    timer = null;
    void run();
  }, Math.max(0, lastStart + interval() - Date.now()));
  timer.unref?.();
}

/** Call after a batch committed. Resolves when its evaluation ran, or at once when it was deferred. */
export function afterBatch(workspaceIds: string[], migrationIds: string[]): Promise<void> {
  for (const w of workspaceIds) pendingWorkspaces.add(w);
  for (const m of migrationIds) pendingMigrations.add(m);
  if (!running && !timer && Date.now() - lastStart >= interval()) return run();
  schedule();
  return Promise.resolve();
}
