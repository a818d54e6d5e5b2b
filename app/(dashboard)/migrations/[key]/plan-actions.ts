"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction } from "@/lib/actions/client";
import { asUser } from "@/lib/db";
import { PlanDraftSchema } from "@/lib/plans/draft";
import { createPlanFromDraft, createPlanFromTemplate, decidePlanStep, setPlanState, skipPlanStep, startPlan } from "@/lib/plans/queries";
import { PLAN_TEMPLATES, type PlanTemplate } from "@/lib/plans/types";
import { resolveMigration } from "@/lib/rollouts/transitions";
import { migrationKey } from "@/lib/validation/identifiers";
import { text } from "@/lib/validation/text";

const planId = z.string().uuid("not a plan id");
const note = text().trim().max(2000, "at most 2000 characters").default("");

const CreateSchema = z.object({
  migration: migrationKey,
  template: z.enum(Object.keys(PLAN_TEMPLATES) as [PlanTemplate, ...PlanTemplate[]]),
  timeZone: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9_+\-/]+$/, "not a time zone name"),
  start: z.boolean().default(false),
});

/** A plan from a template (admins); started at once when asked. */
export const createPlan = defineAction({ name: "createPlan", schema: CreateSchema, role: "admin" }, async (input, { session }) => {
  const id = await asUser(session.claims, async (tx) => {
    const migrationId = await resolveMigration(tx, input.migration);
    const plan = await createPlanFromTemplate(tx, migrationId, input.template, input.timeZone);
    if (input.start) await startPlan(tx, plan);
    return plan;
  });
  revalidatePath(`/migrations/${input.migration}`);
  return { id };
});

/** A plan from the editor (admins): its own steps, windows, freezes and earliest start; a draft until started. */
export const createCustomPlan = defineAction(
  { name: "createCustomPlan", schema: z.object({ migration: migrationKey, plan: PlanDraftSchema, start: z.boolean().default(false) }), role: "admin" },
  async (input, { session }) => {
    const id = await asUser(session.claims, async (tx) => {
      const plan = await createPlanFromDraft(tx, await resolveMigration(tx, input.migration), input.plan);
      if (input.start) await startPlan(tx, plan);
      return plan;
    });
    revalidatePath(`/migrations/${input.migration}`);
    return { id };
  },
);

export const startRolloutPlan = defineAction({ name: "startRolloutPlan", schema: z.object({ migration: migrationKey, plan: planId }), role: "admin" }, async (input, { session }) => {
  await asUser(session.claims, (tx) => startPlan(tx, input.plan));
  revalidatePath(`/migrations/${input.migration}`);
  return { ok: true };
});

const StateSchema = z.object({ migration: migrationKey, plan: planId, action: z.enum(["pause", "resume", "abort"]), reason: note });

export const changePlanState = defineAction({ name: "changePlanState", schema: StateSchema, role: "operator" }, async (input, { session }) => {
  await asUser(session.claims, (tx) => setPlanState(tx, input.plan, input.action, input.reason));
  revalidatePath(`/migrations/${input.migration}`);
  return { ok: true };
});

const DecideSchema = z.object({ migration: migrationKey, plan: planId, step: z.number().int().min(0).max(49), decision: z.enum(["approve", "reject"]), note });

export const decideStep = defineAction({ name: "decideStep", schema: DecideSchema, role: "operator" }, async (input, { session }) => {
  await asUser(session.claims, (tx) => decidePlanStep(tx, input.plan, input.step, input.decision, input.note));
  revalidatePath(`/migrations/${input.migration}`);
  return { ok: true };
});

const SkipSchema = z.object({ migration: migrationKey, plan: planId, step: z.number().int().min(0).max(49), reason: text().trim().min(5, "say why (at least 5 characters)").max(2000, "at most 2000 characters") });

/** Skips the plan's current step (operators), if it is still the step the person saw. */
export const skipStep = defineAction({ name: "skipStep", schema: SkipSchema, role: "operator" }, async (input, { session }) => {
  await asUser(session.claims, (tx) => skipPlanStep(tx, input.plan, input.step, input.reason));
  revalidatePath(`/migrations/${input.migration}`);
  return { ok: true };
});
