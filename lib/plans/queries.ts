import "server-only";
import { sql, type Tx } from "@/lib/db";
import { hashToken } from "@/lib/api/token-auth";
import type { PlanStatus, PlanTemplate } from "./types";

// Thin wrappers over the plan functions (supabase/schemas/plans/): the rules,
// roles and locks live in Postgres.

export async function planStatus(tx: Tx, migrationId: string): Promise<PlanStatus | null> {
  const [{ r }] = await tx<{ r: PlanStatus | null }[]>`select public.rollout_plan_status(${migrationId}) as r`;
  return r;
}

export async function createPlanFromTemplate(tx: Tx, migrationId: string, template: PlanTemplate, timeZone: string): Promise<string> {
  const [{ id }] = await tx<{ id: string }[]>`select public.create_rollout_plan_from_template(${migrationId}, ${template}, ${timeZone}) as id`;
  return id;
}

export async function startPlan(tx: Tx, planId: string) {
  await tx`select public.start_rollout_plan(${planId})`;
}

export async function setPlanState(tx: Tx, planId: string, action: "pause" | "resume" | "abort", reason: string) {
  await tx`select public.set_rollout_plan_state(${planId}, ${action}, ${reason})`;
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
