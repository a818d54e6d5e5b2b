import { readSeries } from "@/lib/telemetry/chart-data";
import { ChartQuery, CustomMetrics, withScope } from "@/lib/telemetry/session-api";

export const dynamic = "force-dynamic";

const Query = ChartQuery.extend({ metrics: CustomMetrics });

/** GET ?migration=&workspace=&range=1h|24h|7d|30d&metrics=quality,… — chart series for the signed-in member. */
export function GET(request: Request) {
  return withScope(request, Query, (tx, scope, q) => readSeries(tx, scope, q.range, q.metrics));
}
