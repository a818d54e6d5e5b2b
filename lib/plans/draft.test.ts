import { describe, expect, it } from "vitest";
import { draftProblem, PlanDraftSchema, stepsForSql, stepsFromTemplate, type PlanDraftInput } from "./draft";

const step = { targetStage: 2, cohortKind: "percent" as const, cohortPercent: 10, bakeMinutes: 60, maxConcurrent: 5, failurePolicy: "hold" as const, approvalsRequired: 0 };
const draft = (over: Partial<PlanDraftInput> = {}): PlanDraftInput => ({
  name: "Ramp", timeZone: "Europe/Berlin", windows: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "17:00" }], freezes: [], earliestStart: null, steps: [step], ...over,
});

describe("plan drafts", () => {
  it("accepts a plan the editor builds from the weekly template", () => {
    const steps = stepsFromTemplate({ steps: [
      { target_stage: 2, cohort_kind: "canaries", bake_minutes: 1440, max_concurrent: 10, failure_policy: "hold", approvals_required: 0 },
      { target_stage: 2, cohort_kind: "percent", cohort_percent: 10, bake_minutes: 2880, max_concurrent: 50, failure_policy: "quarantine", approvals_required: 1 },
    ] });
    expect(steps[1]).toEqual({ targetStage: 2, cohortKind: "percent", cohortPercent: 10, bakeMinutes: 2880, maxConcurrent: 50, failurePolicy: "quarantine", approvalsRequired: 1 });
    expect(draftProblem(draft({ steps }))).toBeNull();
  });

  it("names the step and field of the first problem", () => {
    expect(draftProblem(draft({ steps: [step, { ...step, cohortPercent: 5 }] }))).toBe("Step 2, cohortPercent: percentages only grow (5 % after 10 %)");
    expect(draftProblem(draft({ steps: [{ ...step, cohortKind: "tier" }] }))).toBe("Step 1, cohortTier: a tier");
    expect(draftProblem(draft({ steps: [{ ...step, cohortKind: "workspaces", cohortWorkspaces: [] }] }))).toBe("Step 1, cohortWorkspaces: at least one workspace");
    expect(draftProblem(draft({ steps: [{ ...step, maxConcurrent: 0 }] }))).toBe("Step 1, maxConcurrent: at least 1");
    expect(draftProblem(draft({ steps: [{ ...step, bakeMinutes: Number.NaN }] }))).toMatch(/^Step 1, bakeMinutes: /);
    expect(draftProblem(draft({ steps: [] }))).toBe("steps: at least one step");
    expect(draftProblem(draft({ name: "  " }))).toBe("name: a name");
    expect(draftProblem(draft({ name: "a\u0000b" }))).toMatch(/^name: must not contain the NUL/);
    expect(draftProblem(draft({ windows: [{ days: [1], from: "17:00", to: "09:00" }] }))).toBe("Window 1: a window's start must come before its end");
    expect(draftProblem(draft({ windows: [{ days: [], from: "09:00", to: "17:00" }] }))).toBe("Window 1: pick at least one day");
    expect(draftProblem(draft({ freezes: [{ from: "2027-01-02T00:00:00Z", to: "2027-01-01T00:00:00Z", reason: "" }] }))).toBe("Freeze 1: a freeze's start must come before its end");
    expect(draftProblem(draft({ earliestStart: "next tuesday" }))).toBe("earliestStart: not a date and time");
    expect(draftProblem(draft({ timeZone: "Europe/Berlin; drop table" }))).toBe("timeZone: not a time zone name");
  });

  it("refuses named workspaces that are not slugs", () => {
    expect(PlanDraftSchema.safeParse(draft({ steps: [{ ...step, cohortKind: "workspaces", cohortWorkspaces: ["acme", "Not A Slug"] }] })).success).toBe(false);
  });

  it("sends only the cohort fields of the step's kind, with workspace ids resolved", () => {
    const parsed = PlanDraftSchema.parse(draft({ steps: [
      { ...step, cohortKind: "workspaces", cohortWorkspaces: ["acme", "globex"] },
      { ...step, cohortKind: "tier", cohortTier: "enterprise", cohortPercent: 40 },
    ] }));
    expect(stepsForSql(parsed.steps, new Map([["acme", "id-a"], ["globex", "id-g"]]))).toEqual([
      { target_stage: 2, cohort_kind: "workspaces", cohort_workspaces: ["id-a", "id-g"], bake_minutes: 60, max_concurrent: 5, failure_policy: "hold", approvals_required: 0 },
      { target_stage: 2, cohort_kind: "tier", cohort_tier: "enterprise", bake_minutes: 60, max_concurrent: 5, failure_policy: "hold", approvals_required: 0 },
    ]);
  });
});
