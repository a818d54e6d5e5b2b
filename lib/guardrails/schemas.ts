import { z } from "zod";
import { metricName, migrationKey } from "@/lib/validation/identifiers";
import { NUL_MESSAGE, text } from "@/lib/validation/text";

// Input shapes for guardrail rules and notification channels (server actions).
export const STATISTICS = ["p50_latency", "p95_latency", "p99_latency", "error_rate", "success_rate", "metric_mean", "complaint_count"] as const;
export const ACTIONS = ["alert", "hold", "rollback_previous", "rollback_zero", "disable_flags"] as const;
/** fixed: point estimate against the limit; sequential: a confidence sequence, valid however often it is evaluated */
export const TESTS = ["sequential", "fixed"] as const;
export const EVENTS = [
  "stage_changed", "wave_applied", "emergency_stop", "alert_opened", "alert_resolved", "auto_rollback",
  "plan_step_started", "plan_step_finished", "plan_halted", "plan_approval_needed",
] as const;

export const RuleInput = z
  .object({
    name: text().trim().min(1, "name the rule").max(120),
    description: text().trim().max(1000).default(""),
    migrationKey: migrationKey.nullable().default(null),
    statistic: z.enum(STATISTICS),
    metric: metricName.nullable().default(null),
    comparison: z.enum(["absolute", "ratio", "difference"]),
    operator: z.enum([">", ">=", "<", "<="]),
    threshold: z.number().finite(),
    absoluteGuard: z.number().finite().nullable().default(null),
    windowMinutes: z.number().int().min(1).max(10080),
    minSamples: z.number().int().min(0).max(10_000_000),
    severity: z.enum(["warning", "critical"]),
    action: z.enum(ACTIONS),
    test: z.enum(TESTS).default("sequential"),
    /** the sequential test's error level per rule; null = the default 0.02 */
    alpha: z.number().gt(0).lt(0.5).nullable().default(null),
    /** record what the rule would do, do nothing */
    dryRun: z.boolean().default(false),
    enabled: z.boolean().default(true),
  })
  .refine((r) => r.statistic !== "metric_mean" || r.metric, { message: "a custom-metric rule needs the metric name", path: ["metric"] })
  .refine((r) => r.statistic !== "complaint_count" || r.comparison === "absolute", { message: "complaint counts compare against an absolute number", path: ["comparison"] });

export const ChannelInput = z.object({
  name: text().trim().min(1, "name the channel").max(100),
  kind: z.enum(["webhook", "slack"]),
  url: z.url("a full http(s) URL").max(2000).refine((u) => /^https?:\/\//.test(u), "http or https only").refine((u) => !u.includes("\u0000"), NUL_MESSAGE),
  events: z.array(z.enum(EVENTS)).min(1, "pick at least one event"),
});
