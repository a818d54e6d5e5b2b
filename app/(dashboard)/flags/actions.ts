"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { defineAction, ExpectedError } from "@/lib/actions/client";
import { asUser } from "@/lib/db";
import * as flags from "@/lib/flags/commands";
import { flagKey, migrationKey, workspaceSlug } from "@/lib/validation/identifiers";

// Flag changes: validated here, performed by lib/flags/commands.ts as the signed-in user.

const reason = text().trim().max(1000, "at most 1000 characters");
const bps = z.number().int("steps of 0.01 %").min(0, "at least 0 %").max(10_000, "at most 100 %");

function refresh(key?: string) {
  revalidatePath("/flags");
  if (key) revalidatePath(`/flags/${key}`);
}

export const createFlag = defineAction(
  {
    name: "createFlag",
    role: "admin",
    schema: z.object({
      key: flagKey,
      description: text().trim().max(1000),
      migration: migrationKey.nullable(),
      minStage: z.number().int().min(0).max(50).nullable(),
      rolloutBps: bps,
    }),
  },
  async (input, { session }) => {
    const row = await asUser(session.claims, (tx) => flags.createFlag(tx, input));
    refresh();
    return row;
  },
);

export const setRollout = defineAction(
  { name: "setFlagRollout", role: "operator", schema: z.object({ key: flagKey, version: z.string().regex(/^\d+$/), enabled: z.boolean(), rolloutBps: bps, reason }) },
  async (input, { session }) => {
    const row = await asUser(session.claims, (tx) => flags.setRollout(tx, input));
    refresh(input.key);
    return row;
  },
);

export const killFlag = defineAction(
  { name: "killFlag", role: "operator", schema: z.object({ key: flagKey, confirmation: text().trim(), reason: reason.min(3, "say why (at least 3 characters)") }) },
  async (input, { session }) => {
    if (input.confirmation !== input.key) throw new ExpectedError(`Type the flag key “${input.key}” to confirm.`);
    await asUser(session.claims, (tx) => flags.killFlag(tx, input.key, input.reason));
    refresh(input.key);
    return { killed: input.key };
  },
);

export const restoreFlag = defineAction(
  { name: "restoreFlag", role: "operator", schema: z.object({ key: flagKey, reason }) },
  async (input, { session }) => {
    await asUser(session.claims, (tx) => flags.restoreFlag(tx, input.key, input.reason));
    refresh(input.key);
    return { restored: input.key };
  },
);

export const killMigrationFlags = defineAction(
  { name: "killMigrationFlags", role: "operator", schema: z.object({ migration: migrationKey, confirmation: text().trim(), reason: reason.min(3, "say why (at least 3 characters)") }) },
  async (input, { session }) => {
    if (input.confirmation !== input.migration) throw new ExpectedError(`Type the migration key “${input.migration}” to confirm.`);
    const killed = await asUser(session.claims, (tx) => flags.killMigrationFlags(tx, input.migration, input.reason));
    refresh();
    return { killed };
  },
);

export const setOverride = defineAction(
  { name: "setFlagOverride", role: "operator", schema: z.object({ key: flagKey, workspace: workspaceSlug, value: z.boolean().nullable(), reason }) },
  async (input, { session }) => {
    await asUser(session.claims, (tx) => flags.setOverride(tx, input));
    refresh(input.key);
    return { ok: true };
  },
);

export const deleteFlag = defineAction(
  { name: "deleteFlag", role: "admin", schema: z.object({ key: flagKey, confirmation: text().trim(), reason }) },
  async (input, { session }) => {
    if (input.confirmation !== input.key) throw new ExpectedError(`Type the flag key “${input.key}” to confirm.`);
    await asUser(session.claims, (tx) => flags.deleteFlag(tx, input.key, input.reason));
    refresh();
    return { deleted: input.key };
  },
);
