"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { defineAction } from "@/lib/actions/client";
import { asUser } from "@/lib/db";
import { advance, resolveRollout, rollback, setPaused } from "@/lib/rollouts/transitions";
import { migrationKey, workspaceSlug } from "@/lib/validation/identifiers";

const slug = workspaceSlug;
const key = migrationKey;
const reason = text().trim().max(2000, "at most 2000 characters");
const version = z.string().regex(/^\d{1,18}$/, "not a version");

function revalidate(workspace: string, migration: string) {
  revalidatePath(`/workspaces/${workspace}`);
  revalidatePath(`/migrations/${migration}`);
  revalidatePath("/");
}

const AdvanceSchema = z.object({
  workspace: slug,
  migration: key,
  expectedStage: z.number().int().min(0).max(50),
  expectedVersion: version.optional(),
  reason: reason.default(""),
  override: z.boolean().default(false),
});

export const advanceWorkspace = defineAction({ name: "advanceWorkspace", schema: AdvanceSchema, role: "operator" }, async (input, { session }) => {
  const result = await asUser(session.claims, async (tx) => {
    const ids = await resolveRollout(tx, input.workspace, input.migration);
    return advance(tx, { ...ids, expectedStage: input.expectedStage, expectedVersion: input.expectedVersion, reason: input.reason, override: input.override });
  });
  if (result.ok) revalidate(input.workspace, input.migration);
  return result;
});

const RollbackSchema = z.object({
  workspace: slug,
  migration: key,
  toStage: z.number().int().min(0).max(50).optional(),
  expectedStage: z.number().int().min(0).max(50).optional(),
  expectedVersion: version.optional(),
  reason: reason.min(3, "say why (at least 3 characters)"),
});

export const rollbackWorkspace = defineAction({ name: "rollbackWorkspace", schema: RollbackSchema, role: "operator" }, async (input, { session }) => {
  const result = await asUser(session.claims, async (tx) => {
    const ids = await resolveRollout(tx, input.workspace, input.migration);
    return rollback(tx, { ...ids, reason: input.reason, toStage: input.toStage, expectedStage: input.expectedStage, expectedVersion: input.expectedVersion });
  });
  revalidate(input.workspace, input.migration);
  return result;
});

const PauseSchema = z.object({ workspace: slug, migration: key, paused: z.boolean(), reason: reason.min(3, "say why (at least 3 characters)") });

export const setWorkspacePaused = defineAction({ name: "setWorkspacePaused", schema: PauseSchema, role: "operator" }, async (input, { session }) => {
  const result = await asUser(session.claims, async (tx) => {
    const ids = await resolveRollout(tx, input.workspace, input.migration);
    return setPaused(tx, { ...ids, reason: input.reason, paused: input.paused });
  });
  revalidate(input.workspace, input.migration);
  return result;
});
