"use client";

import { useQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useRef } from "react";

/**
 * Keeps a server-rendered page live: polls a cheap fingerprint of the state it
 * shows and re-renders the page from the server when it changes, so a change
 * made in another browser (or by a guardrail) appears within a few seconds.
 */
export function LiveRefresh({ query, intervalMs = 2500 }: { query: string; intervalMs?: number }) {
  const router = useRouter();
  const last = useRef<string | null>(null);
  const { data, isError } = useQuery({
    queryKey: ["fingerprint", query],
    queryFn: async () => {
      const res = await fetch(`/api/rollouts/fingerprint?${query}`, { cache: "no-store" });
      if (!res.ok) throw new Error(`fingerprint ${res.status}`);
      return (await res.json()) as { fingerprint: string };
    },
    refetchInterval: intervalMs,
    refetchIntervalInBackground: false,
  });
  useEffect(() => {
    if (!data) return;
    if (last.current !== null && last.current !== data.fingerprint) router.refresh();
    last.current = data.fingerprint;
  }, [data, router]);
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-slate-500" aria-live="polite">
      <span className={`h-2 w-2 rounded-full ${isError ? "bg-amber-500" : "bg-emerald-500"}`} aria-hidden />
      {isError ? "Reconnecting…" : "Live"}
    </span>
  );
}
