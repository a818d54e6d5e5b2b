import "server-only";
import type { Tx } from "@/lib/db";
import { ExpectedError } from "@/lib/errors";

// Flag changes for the Flags pages. Each calls one role-checked SQL function as the
// signed-in user; the function records the change (who, before/after, reason) in
// the same transaction. Records are looked up here by key, never trusted from a form.

async function flagId(tx: Tx, key: string): Promise<string> {
  const [f] = await tx<{ id: string }[]>`select id from public.feature_flags where key = ${key}`;
  if (!f) throw new ExpectedError(`There is no flag “${key}” (it may have been deleted).`);
  return f.id;
}

async function migrationId(tx: Tx, key: string): Promise<string> {
  const [m] = await tx<{ id: string }[]>`select id from public.migrations where key = ${key}`;
  if (!m) throw new ExpectedError(`There is no migration “${key}”.`);
  return m.id;
}

async function workspaceId(tx: Tx, slug: string): Promise<string> {
  const [w] = await tx<{ id: string }[]>`select id from public.workspaces where slug = ${slug}`;
  if (!w) throw new ExpectedError(`There is no workspace “${slug}”.`);
  return w.id;
}

export async function createFlag(
  tx: Tx, f: { key: string; description: string; migration: string | null; minStage: number | null; rolloutBps: number },
): Promise<{ key: string }> {
  const mig = f.migration ? await migrationId(tx, f.migration) : null;
  const [row] = await tx<{ key: string }[]>`
    select key from public.create_feature_flag(${f.key}, ${f.description}, ${mig}, ${f.migration ? f.minStage : null}, ${f.rolloutBps}, '')`;
  return row;
}

export async function setRollout(
  tx: Tx, f: { key: string; version: string; enabled: boolean; rolloutBps: number; reason: string },
): Promise<{ version: string }> {
  const [row] = await tx<{ version: string }[]>`
    select version::text from public.set_flag_rollout(${await flagId(tx, f.key)}, ${f.version}, ${f.enabled}, ${f.rolloutBps}, ${f.reason})`;
  return row;
}

export async function killFlag(tx: Tx, key: string, reason: string) {
  await tx`select public.kill_feature_flag(${await flagId(tx, key)}, ${reason})`;
}

export async function restoreFlag(tx: Tx, key: string, reason: string) {
  await tx`select public.restore_feature_flag(${await flagId(tx, key)}, ${reason})`;
}

export async function deleteFlag(tx: Tx, key: string, reason: string) {
  await tx`select public.delete_feature_flag(${await flagId(tx, key)}, ${reason})`;
}

/** Kills every flag of the migration; returns how many were on. */
export async function killMigrationFlags(tx: Tx, migration: string, reason: string): Promise<number> {
  const [{ n }] = await tx<{ n: number }[]>`select public.kill_migration_flags(${await migrationId(tx, migration)}, ${reason}) as n`;
  return n;
}

/** Forces the flag on or off for one workspace; null removes the override. */
export async function setOverride(tx: Tx, o: { key: string; workspace: string; value: boolean | null; reason: string }) {
  const ws = await workspaceId(tx, o.workspace);
  await tx`select public.set_flag_override(${await flagId(tx, o.key)}, ${ws}, ${o.value}, ${o.reason})`;
}
