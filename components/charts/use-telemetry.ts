"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { SeriesResponse } from "@/lib/telemetry/chart-data";
import type { FeedbackResponse } from "@/lib/telemetry/feedback-data";
import type { RangeKey } from "@/lib/telemetry/ranges";

/** New data shows within this interval without a reload. */
export const LIVE_MS = 4_000;

export interface Target {
  migrationKey: string;
  workspaceSlug?: string;
}

export interface FeedbackFilters {
  variant?: "old" | "new";
  kind?: "rating" | "complaint" | "comment" | "bug";
  stage?: number;
}

export const telemetryKeys = {
  all: ["telemetry"] as const,
  series: (t: Target, range: RangeKey, metrics: string[]) => ["telemetry", "series", t.migrationKey, t.workspaceSlug ?? "*", range, metrics.join(",")] as const,
  feedback: (t: Target, range: RangeKey, f: FeedbackFilters) => ["telemetry", "feedback", t.migrationKey, t.workspaceSlug ?? "*", range, f] as const,
};

async function getJson<T>(path: string, params: Record<string, string | number | undefined>): Promise<T> {
  const qs = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== "").map(([k, v]) => [k, String(v)]));
  const res = await fetch(`${path}?${qs}`, { cache: "no-store" });
  if (!res.ok) {
    const body = await res.json().catch(() => null);
    throw new Error(body?.error?.message ?? `Request failed (${res.status})`);
  }
  return res.json() as Promise<T>;
}

export function useSeries(t: Target, range: RangeKey, metrics: string[]) {
  return useQuery({
    queryKey: telemetryKeys.series(t, range, metrics),
    queryFn: () => getJson<SeriesResponse>("/api/telemetry/series", { migration: t.migrationKey, workspace: t.workspaceSlug, range, metrics: metrics.join(",") }),
    refetchInterval: LIVE_MS,
    placeholderData: keepPreviousData,
  });
}

export function useFeedback(t: Target, range: RangeKey, f: FeedbackFilters) {
  return useQuery({
    queryKey: telemetryKeys.feedback(t, range, f),
    queryFn: () => getJson<FeedbackResponse>("/api/telemetry/feedback", { migration: t.migrationKey, workspace: t.workspaceSlug, range, ...f }),
    refetchInterval: LIVE_MS,
    placeholderData: keepPreviousData,
  });
}
