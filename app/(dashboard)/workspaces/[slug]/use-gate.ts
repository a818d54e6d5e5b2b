"use client";

import { useQuery } from "@tanstack/react-query";
import type { SampleRate } from "@/lib/rollouts/forecast";
import type { GateReport } from "@/lib/rollouts/types";

/** The next stage's gate, evaluated now, shared by the live checklist and the Advance button. */
export function useGate(workspace: string, migration: string, version: string) {
  return useQuery({
    // The rollout version is in the key: after any transition the gate is for another stage.
    queryKey: ["gate", workspace, migration, version],
    queryFn: async () => {
      const res = await fetch(`/api/rollouts/gate?workspace=${encodeURIComponent(workspace)}&migration=${encodeURIComponent(migration)}`, { cache: "no-store" });
      const body = await res.json();
      if (!res.ok) throw new Error(body?.error?.message ?? `HTTP ${res.status}`);
      return body as { report: GateReport | null; rate: SampleRate | null };
    },
    refetchInterval: 5000,
  });
}
