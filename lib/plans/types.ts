// A rollout plan as public.rollout_plan_status / public.migration_plan_state return it.
export type PlanState = "draft" | "running" | "paused" | "halted" | "aborted" | "done";

export interface PlanStep {
  position: number;
  target_stage: number;
  cohort_kind: "canaries" | "workspaces" | "tier" | "percent";
  cohort_percent: number | null;
  cohort_tier: string | null;
  cohort_workspaces: number;
  bake_minutes: number;
  max_concurrent: number;
  failure_policy: "hold" | "quarantine" | "rollback_step";
  approvals_required: number;
  approvals: number;
  started_at: string | null;
  finished_at: string | null;
  status: "done" | "current" | "next";
}

export interface PlanEvent {
  id: number;
  step: number | null;
  kind: string;
  message: string;
  actor_email: string | null;
  created_at: string;
  workspace_id: string | null;
}

export interface PlanStatus {
  id: string;
  name: string;
  state: PlanState;
  author_email: string | null;
  time_zone: string;
  current_step: number;
  halt_reason: string | null;
  steps: PlanStep[];
  cohort_size: number;
  below_target: number;
  waiting_for: string[];
  events: PlanEvent[];
}

export const PLAN_TEMPLATES = {
  canary_percent: "Canaries, then 1 → 10 → 25 → 50 → 100 %, an hour each, weekdays 09:00–17:00; one approval before 100 %",
  weekly: "Canaries day 1, then 10 % → 25 % → 50 % → 100 % two days apart; approvals before 50 % and 100 %",
} as const;
export type PlanTemplate = keyof typeof PLAN_TEMPLATES;

export function cohortLabel(s: Pick<PlanStep, "cohort_kind" | "cohort_percent" | "cohort_tier" | "cohort_workspaces">): string {
  switch (s.cohort_kind) {
    case "canaries": return "Canaries";
    case "tier": return `Tier ${s.cohort_tier}`;
    case "workspaces": return `${s.cohort_workspaces} named workspace(s)`;
    default: return `${Number(s.cohort_percent)} %`;
  }
}

/** A migration's plan in one line: which plan, its state and where it is. */
export interface PlanHeadline {
  migrationId: string;
  planId: string;
  name: string;
  state: PlanState;
  /** 0-based */
  currentStep: number;
  steps: number;
  /** approvals the current step still lacks */
  approvalsMissing: number;
}

/** A migration's plan as the overview shows it (public.rollout_plan_overview). */
export interface PlanOverviewRow extends PlanHeadline {
  targetStage: number | null;
  waiting: string | null;
}

/** What the live plan of a migration will do with one workspace (public.workspace_plan_outlook). */
export interface WorkspacePlanOutlook extends PlanHeadline {
  /** 0-based step that will move the workspace next; null = the plan will not move it */
  moveStep: number | null;
  moveTarget: number | null;
  quarantined: boolean;
  holding: boolean;
  paused: boolean;
}

/** The state people read: a running plan whose current step lacks approvals waits for them. */
export function planStateLabel(p: { state: PlanState; approvalsMissing?: number }): string {
  if (p.state === "running" && (p.approvalsMissing ?? 0) > 0) return "waiting for approval";
  return p.state;
}
