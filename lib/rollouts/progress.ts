import "server-only";
import { z } from "zod";
import { onNotice, type Notice, type Tx } from "@/lib/db";
import type { BulkProgress } from "./types";

/**
 * Progress of a long bulk action (a wave or a hand-picked advance) while its one
 * transaction runs. The SQL function raises a `rollout.progress` NOTICE every few
 * workspaces (supabase/schemas/rollouts/progress.sql); the pool hands notices to
 * this store, keyed by an id the browser chose, and the dashboard polls
 * GET /api/rollouts/progress?id=… until the action answers.
 *
 * The store is per process and bounded: with several app instances a poll may land
 * on another one and see nothing yet, which the panel shows as plain "Working…".
 */
interface Entry extends BulkProgress {
  userId: string;
  touched: number;
}

const MAX_ENTRIES = 1_000;
const KEEP_MS = 5 * 60_000;

const g = globalThis as unknown as { __rolloutProgress?: Map<string, Entry>; __rolloutProgressHeard?: boolean };
const store = (g.__rolloutProgress ??= new Map<string, Entry>());

export const ProgressId = z.uuid("a progress id is a UUID");

const Detail = z.object({
  id: z.string(),
  looked: z.number().int(),
  done: z.number().int(),
  total: z.number().int(),
  moved: z.number().int(),
  failed: z.number().int(),
  skipped: z.number().int(),
  final: z.boolean(),
});

function heard(n: Notice): void {
  if (n.message !== "rollout.progress" || typeof n.detail !== "string") return;
  let parsed;
  try {
    parsed = Detail.safeParse(JSON.parse(n.detail));
  } catch {
    return;
  }
  if (!parsed.success) return;
  const { id, ...progress } = parsed.data;
  const entry = store.get(id);
  if (entry) Object.assign(entry, progress, { touched: Date.now() });
}

if (!g.__rolloutProgressHeard) {
  g.__rolloutProgressHeard = true;
  onNotice(heard);
}

function prune(now: number): void {
  for (const [id, e] of store) if (now - e.touched > KEEP_MS) store.delete(id);
  // Still full of live entries: drop the oldest, never grow without bound.
  while (store.size >= MAX_ENTRIES) store.delete(store.keys().next().value as string);
}

/**
 * Starts tracking `id` for `userId` and asks the database to report on it in this
 * transaction. An id already tracked for someone else is not reused.
 */
export async function trackProgress(tx: Tx, id: string | undefined, userId: string): Promise<void> {
  if (!id) return;
  const existing = store.get(id);
  if (existing && existing.userId !== userId) return;
  const now = Date.now();
  prune(now);
  store.set(id, { looked: 0, done: 0, total: 0, moved: 0, failed: 0, skipped: 0, final: false, userId, touched: now });
  await tx`select set_config('rollout.progress', ${id}, true)`;
}

/** What `userId` may know of `id`: only their own actions' progress. */
export function readProgress(id: string, userId: string): BulkProgress | null {
  const e = store.get(id);
  if (!e || e.userId !== userId) return null;
  return { looked: e.looked, done: e.done, total: e.total, moved: e.moved, failed: e.failed, skipped: e.skipped, final: e.final };
}
