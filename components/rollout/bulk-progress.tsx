"use client";

import { useCallback, useEffect, useState } from "react";
import type { BulkProgress } from "@/lib/rollouts/types";

const POLL_MS = 400;

/** A v4 UUID, also where crypto.randomUUID is missing (plain http on a LAN address). */
function newId(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Follows a running bulk action: `begin()` gives the id to pass to the action and
 * polls /api/rollouts/progress until `end()`. Polls that find nothing (not started
 * yet, or answered by another app instance) leave the last figures in place.
 */
export function useBulkProgress() {
  const [id, setId] = useState<string | null>(null);
  const [progress, setProgress] = useState<BulkProgress | null>(null);

  useEffect(() => {
    if (!id) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async () => {
      try {
        const res = await fetch(`/api/rollouts/progress?id=${id}`, { cache: "no-store" });
        if (res.ok && !stopped) setProgress((await res.json()) as BulkProgress);
      } catch {
        // The action's own answer reports failures; a missed poll only delays the figures.
      }
      if (!stopped) timer = setTimeout(poll, POLL_MS);
    };
    timer = setTimeout(poll, POLL_MS);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [id]);

  const begin = useCallback(() => {
    const next = newId();
    setProgress(null);
    setId(next);
    return next;
  }, []);
  const end = useCallback(() => {
    setId(null);
    setProgress(null);
  }, []);
  return { begin, end, progress };
}

/** "Moved 120 · refused 3 · skipped 2 — 123 of 500", with a bar. */
export function BulkProgressLine({ progress, dryRun }: { progress: BulkProgress | null; dryRun: boolean }) {
  if (!progress) {
    return <p className="text-sm text-slate-600" role="status" data-testid="bulk-progress">Working…</p>;
  }
  const share = progress.total > 0 ? Math.min(100, (100 * progress.done) / progress.total) : 0;
  return (
    <div className="space-y-1" role="status" data-testid="bulk-progress">
      <p className="text-sm text-slate-700">
        {dryRun ? "Checking" : "Moving"}: <strong>{progress.moved}</strong> {dryRun ? "would move" : "moved"}, <strong>{progress.failed}</strong> refused by their gate, {progress.skipped} skipped
        <span className="text-slate-500"> — {progress.done} of {progress.total}</span>
      </p>
      <div className="h-1.5 w-full overflow-hidden rounded-full bg-slate-100" aria-hidden>
        <div className="h-full bg-brand-500 transition-[width]" style={{ width: `${share}%` }} />
      </div>
    </div>
  );
}
