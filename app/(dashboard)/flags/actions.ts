"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction, ExpectedError } from "@/lib/actions/client";
import { asUser, type Tx } from "@/lib/db";
import { flagKey, migrationKey, workspaceSlug } from "@/lib/validation/identifiers";

// Flag changes: each calls one role-checked SQL function as the signed-in user;
// the function records the change (who, before/after, reason) in the same
// transaction. Records are looked up on the server by key, never trusted from the form.

const reason = z.string().trim().max(1000, "at most 1000 characters");
const bps = z.number().int("steps of 0.01 %").min(0, "at least 0 %").max(10_000, "at most 100 %");

async function flagId(tx: Tx, key: string): Promise<string> {
  const [f] = await tx<{ id: string }[]>`select id from public.feature_flags where key = ${key}`;
  if (!f) throw new ExpectedError(`There is no flag “${key}” (it may have been deleted).`);
  return f.id;
}

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
      description: z.string().trim().max(1000),
      migration: migrationKey.nullable(),
      minStage: z.number().int().min(0).max(50).nullable(),
      rolloutBps: bps,
    }),
  },
  async (input, { session }) => {
    const row = await asUser(session.claims, async (tx) => {
      let migrationId: string | null = null;
      if (input.migration) {
        const [m] = await tx<{ id: string }[]>`select id from public.migrations where key = ${input.migration}`;
        if (!m) throw new ExpectedError(`There is no migration “${input.migration}”.`);
        migrationId = m.id;
      }
      const [f] = await tx<{ key: string }[]>`
        select key from public.create_feature_flag(${input.key}, ${input.description}, ${migrationId}, ${input.migration ? input.minStage : null}, ${input.rolloutBps}, '')`;
      return f;
    });
    refresh();
    return row;
  },
);

export const setRollout = defineAction(
  { name: "setFlagRollout", role: "operator", schema: z.object({ key: flagKey, version: z.string().regex(/^\d+$/), enabled: z.boolean(), rolloutBps: bps, reason }) },
  async (input, { session }) => {
    const row = await asUser(session.claims, async (tx) => {
      const id = await flagId(tx, input.key);
      const [f] = await tx<{ version: string }[]>`
        select version::text from public.set_flag_rollout(${id}, ${input.version}, ${input.enabled}, ${input.rolloutBps}, ${input.reason})`;
      return f;
    });
    refresh(input.key);
    return row;
  },
);

export const killFlag = defineAction(
  { name: "killFlag", role: "operator", schema: z.object({ key: flagKey, confirmation: z.string().trim(), reason: reason.min(3, "say why (at least 3 characters)") }) },
  async (input, { session }) => {
    if (input.confirmation !== input.key) throw new ExpectedError(`Type the flag key “${input.key}” to confirm.`);
    await asUser(session.claims, async (tx) => tx`select public.kill_feature_flag(${await flagId(tx, input.key)}, ${input.reason})`);
    refresh(input.key);
    return { killed: input.key };
  },
);

export const restoreFlag = defineAction(
  { name: "restoreFlag", role: "operator", schema: z.object({ key: flagKey, reason }) },
  async (input, { session }) => {
    await asUser(session.claims, async (tx) => tx`select public.restore_feature_flag(${await flagId(tx, input.key)}, ${input.reason})`);
    refresh(input.key);
    return { restored: input.key };
  },
);

export const killMigrationFlags = defineAction(
  { name: "killMigrationFlags", role: "operator", schema: z.object({ migration: migrationKey, confirmation: z.string().trim(), reason: reason.min(3, "say why (at least 3 characters)") }) },
  async (input, { session }) => {
    if (input.confirmation !== input.migration) throw new ExpectedError(`Type the migration key “${input.migration}” to confirm.`);
    const killed = await asUser(session.claims, async (tx) => {
      const [m] = await tx<{ id: string }[]>`select id from public.migrations where key = ${input.migration}`;
      if (!m) throw new ExpectedError(`There is no migration “${input.migration}”.`);
      const [{ n }] = await tx<{ n: number }[]>`select public.kill_migration_flags(${m.id}, ${input.reason}) as n`;
      return n;
    });
    refresh();
    return { killed };
  },
);

export const setOverride = defineAction(
  { name: "setFlagOverride", role: "operator", schema: z.object({ key: flagKey, workspace: workspaceSlug, value: z.boolean().nullable(), reason }) },
  async (input, { session }) => {
    await asUser(session.claims, async (tx) => {
      const [w] = await tx<{ id: string }[]>`select id from public.workspaces where slug = ${input.workspace}`;
      if (!w) throw new ExpectedError(`There is no workspace “${input.workspace}”.`);
      await tx`select public.set_flag_override(${await flagId(tx, input.key)}, ${w.id}, ${input.value}, ${input.reason})`;
    });
    refresh(input.key);
    return { ok: true };
  },
);

export const deleteFlag = defineAction(
  { name: "deleteFlag", role: "admin", schema: z.object({ key: flagKey, confirmation: z.string().trim(), reason }) },
  async (input, { session }) => {
    if (input.confirmation !== input.key) throw new ExpectedError(`Type the flag key “${input.key}” to confirm.`);
    await asUser(session.claims, async (tx) => tx`select public.delete_feature_flag(${await flagId(tx, input.key)}, ${input.reason})`);
    refresh();
    return { deleted: input.key };
  },
);
