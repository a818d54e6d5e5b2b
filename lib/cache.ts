// A per-process stale-while-revalidate cache for expensive, read-only figures
// (the overview's gate readiness, the flags page's "on for N workspaces").
//
// An entry is fresh while its fingerprint (a cheap query that changes whenever
// the inputs change) is unchanged and ttlMs has not passed. When it is stale one
// refresh starts (one at a time). If the last computation took no longer than
// waitMs (a small database), the call waits for the refresh at most waitMs and
// answers with the new value. A longer computation runs in the background, never
// more often than every four times its duration (so it takes at most a quarter
// of one connection however many views ask), and the call answers at once with
// the last value. Only the first call in a process (nothing cached yet) waits for
// the whole computation. The TTL also bounds how long a change
// the fingerprint could not see (a transaction that had not committed yet when the
// fingerprint was read) stays hidden.

import type { Claims } from "@/lib/db/types";

/**
 * Who asks: the claims to compute as, and whether they are a member (any role).
 * Members all read the same rows, so a figure shared by every member is computed
 * only for a member.
 */
export interface Viewer {
  claims: Claims;
  member: boolean;
}

interface Entry<T> {
  fingerprint: string;
  at: number;
  took: number;
  value: T;
}

interface Slot<T> {
  entry?: Entry<T>;
  pending?: Promise<Entry<T>>;
  pendingFingerprint?: string;
}

const slots = ((globalThis as unknown as { __swrSlots?: Map<string, Slot<unknown>> }).__swrSlots ??= new Map());

export interface Cached<T> {
  value: T;
  /** when the value was computed (epoch ms) */
  at: number;
}

export async function staleWhileRevalidate<T>(
  key: string,
  fingerprint: string,
  opts: { ttlMs: number; waitMs?: number },
  compute: () => Promise<T>,
): Promise<Cached<T>> {
  const slot = (slots.get(key) ?? slots.set(key, {}).get(key)!) as Slot<T>;
  const refresh = (): Promise<Entry<T>> => {
    if (slot.pending && slot.pendingFingerprint === fingerprint) return slot.pending;
    // A refresh begun before this fingerprint may predate the change: run another after it.
    if (slot.pending) return slot.pending.catch(() => null).then(() => (slot.entry?.fingerprint === fingerprint ? slot.entry : refresh()));
    const started = Date.now();
    const pending = compute()
      .then((value) => (slot.entry = { fingerprint, at: started, took: Date.now() - started, value }))
      .finally(() => {
        if (slot.pending === pending) slot.pending = undefined;
      });
    slot.pending = pending;
    slot.pendingFingerprint = fingerprint;
    return pending;
  };
  const hit = slot.entry;
  if (!hit) {
    const e = await refresh();
    return { value: e.value, at: e.at };
  }
  const stale = hit.fingerprint !== fingerprint || Date.now() - hit.at >= opts.ttlMs;
  if (!stale) return { value: hit.value, at: hit.at };
  // A computation that fits in the budget is redone whenever the value is stale and
  // waited for; a longer one runs in the background, at most every 4 × its duration.
  const budget = opts.waitMs ?? 100;
  const cheap = hit.took <= budget;
  if (!cheap && !slot.pending && Date.now() - hit.at < 4 * hit.took) return { value: hit.value, at: hit.at };
  const next = refresh();
  const waitMs = cheap ? budget : 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), waitMs)));
  const e = await Promise.race([next.catch(() => null), late]).finally(() => clearTimeout(timer));
  // a failed or slow refresh: the last value (the next call tries again)
  return e ? { value: e.value, at: e.at } : { value: hit.value, at: hit.at };
}

/**
 * staleWhileRevalidate for a figure a page can do without for a moment: the very
 * first call in a process (nothing cached yet) waits at most firstWaitMs, then
 * answers null while the computation goes on in the background (later calls share
 * it). A failure within firstWaitMs is thrown as usual; a later one surfaces to
 * the next caller.
 */
export async function staleWhileRevalidateOrLater<T>(
  key: string,
  fingerprint: string,
  opts: { ttlMs: number; waitMs?: number; firstWaitMs: number },
  compute: () => Promise<T>,
): Promise<Cached<T> | null> {
  const cached = slots.get(key)?.entry !== undefined;
  const call = staleWhileRevalidate(key, fingerprint, opts, compute);
  if (cached) return call;
  call.catch(() => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const later = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), opts.firstWaitMs)));
  return Promise.race([call, later]).finally(() => clearTimeout(timer));
}
