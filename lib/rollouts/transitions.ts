import "server-only";
import type { Tx } from "@/lib/db";
import { ExpectedError } from "@/lib/errors";
import type { AdvanceResult, WaveResult } from "./types";

// Thin TypeScript wrappers over the SQL transition functions. The rules (roles,
// staleness, gates, locking) live in Postgres; these resolve names to ids under
// RLS, so a caller can only address records it can see.

export async function resolveRollout(tx: Tx, workspaceSlug: string, migrationKey: string) {
  const [row] = await tx<{ workspaceId: string; migrationId: string }[]>`
    select w.id as "workspaceId", m.id as "migrationId"
    from public.workspaces w, public.migrations m
    where w.slug = ${workspaceSlug} and m.key = ${migrationKey}`;
  if (!row) throw new ExpectedError(`Unknown workspace “${workspaceSlug}” or migration “${migrationKey}”.`);
  return row;
}

export async function resolveMigration(tx: Tx, migrationKey: string): Promise<string> {
  const [row] = await tx<{ id: string }[]>`select id from public.migrations where key = ${migrationKey}`;
  if (!row) throw new ExpectedError(`Unknown migration “${migrationKey}”.`);
  return row.id;
}

export async function advance(tx: Tx, a: { workspaceId: string; migrationId: string; expectedStage: number; expectedVersion?: string; reason: string; override: boolean }): Promise<AdvanceResult> {
  const [{ r }] = await tx<{ r: AdvanceResult }[]>`
    select public.advance_workspace(${a.workspaceId}, ${a.migrationId}, ${a.expectedStage}, ${a.reason}, ${a.override}, ${a.expectedVersion ?? null}::bigint) as r`;
  return r;
}

export async function rollback(tx: Tx, a: { workspaceId: string; migrationId: string; reason: string; toStage?: number; expectedStage?: number; expectedVersion?: string }) {
  const [{ r }] = await tx<{ r: AdvanceResult }[]>`
    select public.rollback_workspace(${a.workspaceId}, ${a.migrationId}, ${a.reason}, ${a.toStage ?? null}::int, ${a.expectedStage ?? null}::int, ${a.expectedVersion ?? null}::bigint) as r`;
  return r;
}

export async function setPaused(tx: Tx, a: { workspaceId: string; migrationId: string; reason: string; paused: boolean }) {
  const [{ r }] = a.paused
    ? await tx<{ r: AdvanceResult }[]>`select public.pause_workspace(${a.workspaceId}, ${a.migrationId}, ${a.reason}) as r`
    : await tx<{ r: AdvanceResult }[]>`select public.resume_workspace(${a.workspaceId}, ${a.migrationId}, ${a.reason}) as r`;
  return r;
}

export async function wave(tx: Tx, a: { migrationId: string; fromStage: number; percent?: number; count?: number; reason: string; dryRun: boolean }): Promise<WaveResult> {
  const [{ r }] = await tx<{ r: WaveResult }[]>`
    select public.advance_wave(${a.migrationId}, ${a.fromStage}, ${a.percent ?? null}::numeric, ${a.count ?? null}::int, ${a.reason}, ${a.dryRun}) as r`;
  return r;
}

export async function emergencyStop(tx: Tx, a: { migrationId: string; reason: string }): Promise<{ ok: boolean; workspaces: number }> {
  const [{ r }] = await tx<{ r: { ok: boolean; workspaces: number } }[]>`select public.emergency_stop(${a.migrationId}, ${a.reason}) as r`;
  return r;
}

export interface SelectedResult {
  dry_run: boolean;
  moved: (WaveResult["moved"][number] & { from_stage: number; to_stage: number })[];
  failed: WaveResult["failed"];
  skipped: WaveResult["skipped"];
}

export async function advanceSelected(tx: Tx, a: { migrationId: string; workspaceIds: string[]; reason: string; dryRun: boolean }): Promise<SelectedResult> {
  const [{ r }] = await tx<{ r: SelectedResult }[]>`
    select public.advance_selected(${a.migrationId}, ${a.workspaceIds}::uuid[], ${a.reason}, ${a.dryRun}) as r`;
  return r;
}

export async function resumeMigration(tx: Tx, a: { migrationId: string; reason: string }): Promise<{ ok: boolean; workspaces: number; flags: number }> {
  const [{ r }] = await tx<{ r: { ok: boolean; workspaces: number; flags: number } }[]>`select public.resume_migration(${a.migrationId}, ${a.reason}) as r`;
  return r;
}
