import "server-only";
import type { Tx } from "@/lib/db";
import type { Scope } from "./chart-data";
import { RANGES, type RangeKey } from "./ranges";

export interface FeedbackFilter {
  range: RangeKey;
  variant?: "old" | "new";
  kind?: "rating" | "complaint" | "comment" | "bug";
  stage?: number;
}

export interface FeedbackResponse {
  from: number;
  to: number;
  bin: number;
  /** count per rating 1..5 and variant ("none" = not attributed to a variant) */
  ratings: { rating: number; variant: string; n: number }[];
  /** complaints, bug reports and ratings ≤ 2 per time bin, variant and stage */
  negative: { t: number; variant: string; stage: number | null; n: number }[];
  latest: {
    id: number; time: string; kind: string; rating: number | null; message: string | null; source: string;
    reporter: string | null; context: Record<string, unknown> | null; variant: string | null; stage: number | null; workspace: string;
  }[];
  stages: number[];
  total: number;
}

/** Feedback beside the charts. Feedback is low-volume, so it is read from its table (indexed by scope and time). */
export async function readFeedback(tx: Tx, scope: Scope, f: FeedbackFilter, now = Date.now()): Promise<FeedbackResponse> {
  const { ms, feedbackBin } = RANGES[f.range];
  const from = new Date(Math.floor((now - ms) / (feedbackBin * 1000)) * feedbackBin * 1000);
  const ws = scope.workspaceId;
  const variant = f.variant ?? null;
  const kind = f.kind ?? null;
  const stage = f.stage ?? null;
  // One filtered set; each panel aggregates it differently.
  const filtered = tx`
    select ft.* from public.feedback_tracking ft
    where ft.migration_id = ${scope.migrationId} and (${ws}::uuid is null or ft.workspace_id = ${ws}::uuid)
      and ft.time >= ${from}
      and (${variant}::text is null or ft.variant = ${variant}::text)
      and (${kind}::text is null or ft.kind = ${kind}::text)
      and (${stage}::int is null or ft.stage = ${stage}::int)`;
  const [ratings, negative, latest, stages, [{ total }]] = await Promise.all([
    tx<FeedbackResponse["ratings"]>`
      select rating, coalesce(variant, 'none') as variant, count(*)::int as n from (${filtered}) f
      where kind = 'rating' group by 1, 2 order by 1, 2`,
    tx<FeedbackResponse["negative"]>`
      select extract(epoch from date_bin(${`${feedbackBin} seconds`}::interval, time, timestamptz '2000-01-01 00:00:00+00'))::float8 * 1000 as t,
             coalesce(variant, 'none') as variant, stage, count(*)::int as n
      from (${filtered}) f
      where kind in ('complaint', 'bug') or (kind = 'rating' and rating <= 2)
      group by 1, 2, 3 order by 1`,
    tx<FeedbackResponse["latest"]>`
      select f.id::int as id, f.time, f.kind, f.rating, f.message, f.source, f.reporter, f.context, f.variant, f.stage, w.slug as workspace
      from (${filtered}) f join public.workspaces w on w.id = f.workspace_id
      where f.message is not null
      order by f.time desc limit 25`,
    tx<{ stage: number }[]>`
      select distinct stage from public.feedback_tracking
      where migration_id = ${scope.migrationId} and (${ws}::uuid is null or workspace_id = ${ws}::uuid) and time >= ${from} and stage is not null
      order by stage`,
    tx<{ total: number }[]>`select count(*)::int as total from (${filtered}) f`,
  ]);
  return {
    from: from.getTime(), to: now, bin: feedbackBin, ratings, negative,
    latest: latest.map((l) => ({ ...l, time: new Date(l.time).toISOString() })),
    stages: stages.map((s) => s.stage), total,
  };
}
