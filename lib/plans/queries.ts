import "server-only";
import { sql, type Tx } from "@/lib/db";
import { hashToken } from "@/lib/api/token-auth";
import { ExpectedError } from "@/lib/errors";
import { stepsForSql, stepsFromTemplate, type PlanDraft, type PlanStepDraft } from "./draft";
import { PLAN_TEMPLATES, type PlanOverviewRow, type PlanStatus, type PlanTemplate, type WorkspacePlanOutlook } from "./types";

// Thin wrappers over the plan functions (supabase/schemas/plans/): the rules,
// roles and locks live in Postgres.

export async function planStatus(tx: Tx, migrationId: string): Promise<PlanStatus | null> {
  const [{ r }] = await tx<{ r: PlanStatus | null }[]>`select public.rollout_plan_status(${migrationId}) as r`;
  return r;
}

/** Per migration with a plan: its state, step k of n and what the step waits for (no cohort is computed). */
export async function planOverview(tx: Tx): Promise<PlanOverviewRow[]> {
  return tx<PlanOverviewRow[]>`
    select migration_id as "migrationId", plan_id as "planId", name, state, current_step as "currentStep", steps,
           target_stage as "targetStage", approvals_missing as "approvalsMissing", waiting
    from public.rollout_plan_overview()`;
}

/** Per migration of the workspace with a live plan: the step that will move it, quarantine and hold. */
export async function workspacePlanOutlook(tx: Tx, workspaceId: string): Promise<WorkspacePlanOutlook[]> {
  return tx<WorkspacePlanOutlook[]>`
    select migration_id as "migrationId", plan_id as "planId", name, state, current_step as "currentStep", steps,
           coalesce(approvals_missing, 0) as "approvalsMissing", move_step as "moveStep", move_target as "moveTarget", quarantined, holding, paused
    from public.workspace_plan_outlook(${workspaceId})`;
}

export async function createPlanFromTemplate(tx: Tx, migrationId: string, template: PlanTemplate, timeZone: string): Promise<string> {
  const [{ id }] = await tx<{ id: string }[]>`select public.create_rollout_plan_from_template(${migrationId}, ${template}, ${timeZone}) as id`;
  return id;
}

/** The templates' steps and windows for a migration whose last stage is `lastStage` (the editor starts from them). */
export async function planTemplates(lastStage: number): Promise<Record<PlanTemplate, { steps: PlanStepDraft[]; windows: PlanDraft["windows"] }>> {
  // app_private.plan_template is a pure function of its arguments, closed to the API roles.
  const names = Object.keys(PLAN_TEMPLATES) as PlanTemplate[];
  const rows = await sql()<{ name: PlanTemplate; tpl: { steps: Record<string, unknown>[]; windows: PlanDraft["windows"] } }[]>`
    select t.name, app_private.plan_template(t.name, ${lastStage}) as tpl from unnest(${names}::text[]) as t(name)`;
  return Object.fromEntries(rows.map((r) => [r.name, { steps: stepsFromTemplate(r.tpl), windows: r.tpl.windows }])) as never;
}

/**
 * A draft plan from the editor. Named workspaces are resolved by slug (an unknown
 * one is refused by name); the rules are checked again by public.create_rollout_plan.
 */
export async function createPlanFromDraft(tx: Tx, migrationId: string, d: PlanDraft): Promise<string> {
  const slugs = [...new Set(d.steps.flatMap((s) => (s.cohortKind === "workspaces" ? s.cohortWorkspaces ?? [] : [])))];
  const found = slugs.length ? await tx<{ slug: string; id: string }[]>`select slug, id from public.workspaces where slug = any (${slugs})` : [];
  const ids = new Map(found.map((w) => [w.slug, w.id]));
  const missing = slugs.filter((s) => !ids.has(s));
  if (missing.length) throw new ExpectedError(`Unknown workspace(s): ${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ` and ${missing.length - 5} more` : ""}.`);
  const [{ id }] = await tx<{ id: string }[]>`
    select public.create_rollout_plan(${migrationId}, ${d.name}, ${tx.json(stepsForSql(d.steps, ids) as never)}, ${d.timeZone},
      ${tx.json(d.windows as never)}, ${tx.json(d.freezes as never)}, ${d.earliestStart ? new Date(d.earliestStart) : null}) as id`;
  return id;
}

export async function startPlan(tx: Tx, planId: string) {
  await tx`select public.start_rollout_plan(${planId})`;
}

export async function setPlanState(tx: Tx, planId: string, action: "pause" | "resume" | "abort", reason: string) {
  await tx`select public.set_rollout_plan_state(${planId}, ${action}, ${reason})`;
}

export async function skipPlanStep(tx: Tx, planId: string, expectedStep: number, reason: string) {
  await tx`select public.skip_rollout_plan_step(${planId}, ${expectedStep}, ${reason})`;
}

export async function decidePlanStep(tx: Tx, planId: string, step: number, decision: "approve" | "reject", note: string) {
  await tx`select public.decide_rollout_plan_step(${planId}, ${step}, ${decision}, ${note})`;
}

/** For services: GET /api/v1/migrations/{key}/plan. */
export async function readPlanForService(token: string, key: string): Promise<{ status: number; body: unknown; message: string | null }> {
  const [row] = await sql()<{ status: number; body: unknown; message: string | null }[]>`
    select status, body, message from public.migration_plan_state(${hashToken(token)}, ${key})`;
  return row;
}
