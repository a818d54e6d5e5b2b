import { z } from "zod";
import { readFeedback } from "@/lib/telemetry/feedback-data";
import { FEEDBACK_KINDS } from "@/lib/telemetry/schemas";
import { ChartQuery, withScope } from "@/lib/telemetry/session-api";

export const dynamic = "force-dynamic";

const Query = ChartQuery.extend({
  variant: z.enum(["old", "new"]).optional(),
  kind: z.enum(FEEDBACK_KINDS).optional(),
  stage: z.coerce.number().int().min(0).max(50).optional(),
});

/** GET ?migration=&workspace=&range=&variant=&kind=&stage= — feedback summary for the signed-in member. */
export function GET(request: Request) {
  return withScope(request, Query, (tx, scope, q) => readFeedback(tx, scope, q));
}
