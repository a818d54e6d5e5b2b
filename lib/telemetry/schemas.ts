// What /api/v1/metrics and /api/v1/feedback accept. These zod schemas are the
// contract and the source of every error message; validate.ts checks batches
// with a hand-written pass that agrees with them (tested) because zod is several
// times slower on thousands of items, and only asks zod why an item failed.
import { z } from "zod";
import { text, jsonObject } from "@/lib/validation/text";

export const MAX_METRIC_ITEMS = 5000;
export const MAX_FEEDBACK_ITEMS = 1000;
export const MAX_METRIC_BYTES = 4 * 1024 * 1024;
export const MAX_FEEDBACK_BYTES = 2 * 1024 * 1024;
/** Clock skew we tolerate from senders. */
export const MAX_FUTURE_MS = 5 * 60_000;
/** Oldest sample accepted (rollups keep history; late data past this is a bug upstream). */
export const MAX_AGE_MS = 31 * 86_400_000;

export { KEY_RE, METRIC_RE, SLUG_RE } from "@/lib/validation/identifiers";
import { KEY_RE, METRIC_RE, SLUG_RE } from "@/lib/validation/identifiers";

/** "is required" when missing, else the given message. */
const need = (message: string) => ({ error: (iss: { input: unknown }) => (iss.input === undefined ? "is required" : message) });

export const Workspace = z.string(need("expected a workspace slug (string)")).regex(SLUG_RE, "is not a workspace slug (lowercase letters, digits, dashes)");
export const Migration = z.string(need("expected a migration key (string)")).regex(KEY_RE, "is not a migration key (lowercase letters, digits, - and _)");
export const Variant = z.enum(["old", "new"], need('expected "old" or "new"'));
export const IsoTime = z.iso.datetime({ offset: true, error: "expected an ISO 8601 time with a zone (e.g. 2026-11-22T10:00:00Z) or epoch milliseconds" });

/** Epoch ms of an accepted time value, or null when absent. */
export function timeMs(t: string | number | undefined): number | null {
  if (t === undefined) return null;
  return typeof t === "number" ? t : Date.parse(t);
}

/** Why a time is out of range, or null. */
export function timeProblem(ms: number, now: number): string | null {
  if (ms > now + MAX_FUTURE_MS) return "is more than 5 minutes in the future (check the sender's clock)";
  if (ms < now - MAX_AGE_MS) return "is more than 31 days in the past";
  return null;
}

const Time = z
  .union([IsoTime, z.number({ error: "expected epoch milliseconds" }).int("expected whole epoch milliseconds")], {
    error: "expected an ISO 8601 time with a zone (e.g. 2026-11-22T10:00:00Z) or epoch milliseconds",
  })
  .optional()
  .superRefine((t, ctx) => {
    const ms = timeMs(t);
    const problem = ms === null ? null : timeProblem(ms, Date.now());
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

export const MetricSample = z.object({
  workspace: Workspace,
  migration: Migration,
  variant: Variant,
  metric: z.string(need("expected a metric name (string)")).regex(METRIC_RE, "is not a metric name (a letter, then letters, digits, _ . : -; at most 64)"),
  value: z.number(need("expected a finite number")),
  time: Time,
});
export type MetricSample = z.infer<typeof MetricSample>;

export const FEEDBACK_KINDS = ["rating", "complaint", "comment", "bug"] as const;

export const FeedbackItem = z
  .object({
    workspace: Workspace,
    migration: Migration,
    kind: z.enum(FEEDBACK_KINDS, need("expected one of rating, complaint, comment, bug")),
    rating: z.number({ error: "expected a whole number from 1 to 5" }).int("expected a whole number from 1 to 5").min(1, "expected a whole number from 1 to 5").max(5, "expected a whole number from 1 to 5").optional(),
    message: text({ error: "expected text" }).max(4000, "is longer than 4000 characters").optional(),
    source: text(need("expected the name of the sending system (string)")).min(1, "must not be empty").max(100, "is longer than 100 characters"),
    reporter: text({ error: "expected text" }).max(200, "is longer than 200 characters").optional(),
    context: jsonObject({ error: "expected a JSON object" }).optional(),
    variant: Variant.optional(),
    time: Time,
  })
  .superRefine((f, ctx) => {
    if (f.kind === "rating" && f.rating === undefined) ctx.addIssue({ code: "custom", path: ["rating"], message: "is required when kind is rating" });
    if (f.kind !== "rating" && f.rating !== undefined) ctx.addIssue({ code: "custom", path: ["rating"], message: "is only allowed when kind is rating" });
    if (f.context !== undefined) {
      // A context nested thousands deep parses, but overflows the stack when serialised.
      let size: number;
      try {
        size = JSON.stringify(f.context).length;
      } catch {
        ctx.addIssue({ code: "custom", path: ["context"], message: "is nested too deeply" });
        return;
      }
      if (size > 8000) ctx.addIssue({ code: "custom", path: ["context"], message: "is larger than 8000 characters of JSON" });
    }
  });
export type FeedbackItem = z.infer<typeof FeedbackItem>;
