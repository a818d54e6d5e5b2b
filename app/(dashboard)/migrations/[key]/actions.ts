"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { defineAction, ExpectedError } from "@/lib/actions/client";
import { asUser } from "@/lib/db";
import { advanceSelected, emergencyStop as stop, resolveMigration, resumeMigration as resume, wave } from "@/lib/rollouts/transitions";
import { ProgressId, trackProgress } from "@/lib/rollouts/progress";
import { migrationKey } from "@/lib/validation/identifiers";

const key = migrationKey;

const WaveSchema = z
  .object({
    migration: key,
    fromStage: z.number().int().min(0).max(49),
    percent: z.number().gt(0, "more than 0 %").max(100, "at most 100 %").optional(),
    count: z.number().int().min(1).max(100_000).optional(),
    reason: text().trim().max(2000).default(""),
    /** chosen by the browser to poll /api/rollouts/progress while the wave runs */
    progress: ProgressId.optional(),
  })
  .refine((v) => (v.percent === undefined) !== (v.count === undefined), { message: "give a percentage or a count, not both", path: ["percent"] });

/** Exactly which workspaces a wave would move and which fail their gate; writes nothing. */
export const previewWave = defineAction({ name: "previewWave", schema: WaveSchema, role: "viewer" }, async (input, { session }) =>
  asUser(session.claims, async (tx) => {
    const migrationId = await resolveMigration(tx, input.migration);
    await trackProgress(tx, input.progress, session.userId);
    return wave(tx, { migrationId, fromStage: input.fromStage, percent: input.percent, count: input.count, reason: input.reason, dryRun: true });
  }),
);

export const applyWave = defineAction({ name: "applyWave", schema: WaveSchema, role: "operator" }, async (input, { session }) => {
  const result = await asUser(session.claims, async (tx) => {
    const migrationId = await resolveMigration(tx, input.migration);
    await trackProgress(tx, input.progress, session.userId);
    return wave(tx, { migrationId, fromStage: input.fromStage, percent: input.percent, count: input.count, reason: input.reason, dryRun: false });
  });
  revalidatePath(`/migrations/${input.migration}`);
  revalidatePath("/");
  return result;
});

const StopSchema = z.object({
  migration: key,
  confirmation: text().trim(),
  reason: text().trim().min(3, "say why (at least 3 characters)").max(2000),
});

export const emergencyStop = defineAction({ name: "emergencyStop", schema: StopSchema, role: "operator" }, async (input, { session }) => {
  if (input.confirmation !== input.migration) {
    throw new ExpectedError(`Type the migration key “${input.migration}” to confirm the emergency stop.`);
  }
  const result = await asUser(session.claims, async (tx) => stop(tx, { migrationId: await resolveMigration(tx, input.migration), reason: input.reason }));
  revalidatePath(`/migrations/${input.migration}`);
  revalidatePath("/");
  return result;
});

/** Admins: un-pause the workspaces an emergency stop left at stage 0 and restore the flags it killed. */
export const resumeMigration = defineAction({ name: "resumeMigration", schema: StopSchema, role: "admin" }, async (input, { session }) => {
  if (input.confirmation !== input.migration) {
    throw new ExpectedError(`Type the migration key “${input.migration}” to confirm resuming the migration.`);
  }
  const result = await asUser(session.claims, async (tx) => resume(tx, { migrationId: await resolveMigration(tx, input.migration), reason: input.reason }));
  revalidatePath(`/migrations/${input.migration}`);
  revalidatePath("/");
  return result;
});

const SelectedSchema = z.object({
  migration: key,
  workspaceIds: z.array(z.uuid("not a workspace id")).min(1, "select at least one workspace").max(1000, "at most 1000 at a time"),
  reason: text().trim().max(2000).default(""),
  progress: ProgressId.optional(),
});

/** Preview of advancing the selected workspaces one stage each; writes nothing. */
export const previewSelected = defineAction({ name: "previewSelected", schema: SelectedSchema, role: "viewer" }, async (input, { session }) =>
  asUser(session.claims, async (tx) => {
    const migrationId = await resolveMigration(tx, input.migration);
    await trackProgress(tx, input.progress, session.userId);
    return advanceSelected(tx, { migrationId, workspaceIds: input.workspaceIds, reason: input.reason, dryRun: true });
  }),
);

export const applySelected = defineAction({ name: "applySelected", schema: SelectedSchema, role: "operator" }, async (input, { session }) => {
  const result = await asUser(session.claims, async (tx) => {
    const migrationId = await resolveMigration(tx, input.migration);
    await trackProgress(tx, input.progress, session.userId);
    return advanceSelected(tx, { migrationId, workspaceIds: input.workspaceIds, reason: input.reason, dryRun: false });
  });
  revalidatePath(`/migrations/${input.migration}`);
  revalidatePath("/");
  return result;
});
