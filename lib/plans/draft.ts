import { z } from "zod";
import { workspaceSlug } from "@/lib/validation/identifiers";
import { text } from "@/lib/validation/text";

// A rollout plan as the plan editor writes it, before it becomes a draft plan in
// Postgres (public.create_rollout_plan, which checks the same rules again with the
// migration's stages at hand). Shared by the editor (to say what is wrong before
// sending) and the server action (to refuse it with a 4xx when it is sent anyway).

export const COHORT_KINDS = ["canaries", "percent", "tier", "workspaces"] as const;
export const FAILURE_POLICIES = ["hold", "quarantine", "rollback_step"] as const;
export const TIERS = ["free", "standard", "pro", "enterprise"] as const;
export const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] as const;

const hhmm = z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, "a time as HH:MM");
const hhmmEnd = z.string().regex(/^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/, "a time as HH:MM (24:00 for midnight)");
const instant = z.string().trim().min(1, "a date and time").refine((s) => !Number.isNaN(Date.parse(s)), "not a date and time");

export const PlanWindowSchema = z
  .object({
    days: z.array(z.number().int().min(1).max(7)).min(1, "pick at least one day").max(7),
    from: hhmm,
    to: hhmmEnd,
  })
  .refine((w) => w.from < w.to, { message: "a window's start must come before its end", path: ["to"] });

export const PlanFreezeSchema = z
  .object({ from: instant, to: instant, reason: text().trim().max(200, "at most 200 characters").default("") })
  .refine((f) => Date.parse(f.from) < Date.parse(f.to), { message: "a freeze's start must come before its end", path: ["to"] });

export const PlanStepSchema = z
  .object({
    targetStage: z.number().int().min(1, "stage 1 or later"),
    cohortKind: z.enum(COHORT_KINDS),
    cohortPercent: z.number().gt(0, "more than 0 %").max(100, "at most 100 %").optional(),
    cohortTier: z.enum(TIERS).optional(),
    cohortWorkspaces: z.array(workspaceSlug).max(500, "at most 500 named workspaces").optional(),
    bakeMinutes: z.number().int().min(0).max(43_200, "at most 30 days"),
    maxConcurrent: z.number().int().min(1, "at least 1").max(10_000, "at most 10 000"),
    failurePolicy: z.enum(FAILURE_POLICIES),
    approvalsRequired: z.number().int().min(0).max(10, "at most 10"),
  })
  .superRefine((s, ctx) => {
    if (s.cohortKind === "percent" && s.cohortPercent === undefined) ctx.addIssue({ code: "custom", message: "a percentage", path: ["cohortPercent"] });
    if (s.cohortKind === "tier" && s.cohortTier === undefined) ctx.addIssue({ code: "custom", message: "a tier", path: ["cohortTier"] });
    if (s.cohortKind === "workspaces" && !s.cohortWorkspaces?.length) ctx.addIssue({ code: "custom", message: "at least one workspace", path: ["cohortWorkspaces"] });
  });

export const PlanDraftSchema = z
  .object({
    name: text().trim().min(1, "a name").max(200, "at most 200 characters"),
    timeZone: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_+\-/]+$/, "not a time zone name"),
    windows: z.array(PlanWindowSchema).max(20, "at most 20 windows"),
    freezes: z.array(PlanFreezeSchema).max(20, "at most 20 freezes"),
    earliestStart: instant.nullable(),
    steps: z.array(PlanStepSchema).min(1, "at least one step").max(50, "at most 50 steps"),
  })
  .superRefine((d, ctx) => {
    // Percent cohorts are prefixes of the wave order: they only grow.
    let prev = 0;
    d.steps.forEach((s, i) => {
      if (s.cohortKind !== "percent" || s.cohortPercent === undefined) return;
      if (s.cohortPercent < prev) ctx.addIssue({ code: "custom", message: `percentages only grow (${s.cohortPercent} % after ${prev} %)`, path: ["steps", i, "cohortPercent"] });
      prev = s.cohortPercent;
    });
  });

export type PlanDraft = z.infer<typeof PlanDraftSchema>;
export type PlanDraftInput = z.input<typeof PlanDraftSchema>;
export type PlanStepDraft = z.infer<typeof PlanStepSchema>;

/** The first problem of a draft in words ("Step 2, percentage: …"), or null when it is valid. */
export function draftProblem(d: PlanDraftInput): string | null {
  const r = PlanDraftSchema.safeParse(d);
  if (r.success) return null;
  const issue = r.error.issues[0];
  const [head, index, field] = issue.path;
  const where =
    head === "steps" && typeof index === "number" ? `Step ${index + 1}${field ? `, ${String(field)}` : ""}`
    : head === "windows" && typeof index === "number" ? `Window ${index + 1}`
    : head === "freezes" && typeof index === "number" ? `Freeze ${index + 1}`
    : String(head ?? "Plan");
  return `${where}: ${issue.message}`;
}

/** The steps as public.create_rollout_plan takes them, with named workspaces already resolved to ids. */
export function stepsForSql(steps: PlanStepDraft[], workspaceIds: Map<string, string>) {
  return steps.map((s) => ({
    target_stage: s.targetStage,
    cohort_kind: s.cohortKind,
    ...(s.cohortKind === "percent" && { cohort_percent: s.cohortPercent }),
    ...(s.cohortKind === "tier" && { cohort_tier: s.cohortTier }),
    ...(s.cohortKind === "workspaces" && { cohort_workspaces: (s.cohortWorkspaces ?? []).map((slug) => workspaceIds.get(slug)) }),
    bake_minutes: s.bakeMinutes,
    max_concurrent: s.maxConcurrent,
    failure_policy: s.failurePolicy,
    approvals_required: s.approvalsRequired,
  }));
}

/** A template (app_private.plan_template's JSON) as editor steps. */
export function stepsFromTemplate(tpl: { steps: Record<string, unknown>[] }): PlanStepDraft[] {
  return tpl.steps.map((s) => ({
    targetStage: Number(s.target_stage),
    cohortKind: s.cohort_kind as PlanStepDraft["cohortKind"],
    ...(s.cohort_percent != null && { cohortPercent: Number(s.cohort_percent) }),
    ...(s.cohort_tier != null && { cohortTier: s.cohort_tier as PlanStepDraft["cohortTier"] }),
    bakeMinutes: Number(s.bake_minutes ?? 0),
    maxConcurrent: Number(s.max_concurrent ?? 10),
    failurePolicy: (s.failure_policy ?? "hold") as PlanStepDraft["failurePolicy"],
    approvalsRequired: Number(s.approvals_required ?? 0),
  }));
}
