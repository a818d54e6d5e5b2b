// The state document GET /api/v1/workspaces/{slug}/state returns, and its
// compiled form: per flag the decision that does not depend on the unit
// (off / on / rollout with its FNV seed precomputed), so evaluating a flag for
// a unit costs one short hash and a comparison.
import { bucketFrom, flagSeed } from "../../lib/flags/hash";

export interface StateDocument {
  workspace: { id: string; slug: string; name: string };
  unit: string;
  migrations: Record<string, { stage: number; stageKey: string; stageName: string; status: string; lastStage: number }>;
  flags: Record<string, { value: boolean; reason: string; mode: "on" | "off" | "rollout"; rolloutBps: number }>;
}

export const OFF = 0;
export const ON = 1;
export const ROLLOUT = 2;

export interface CompiledFlag {
  mode: typeof OFF | typeof ON | typeof ROLLOUT;
  bps: number;
  seed: number;
  reason: string;
}

export interface CompiledState {
  workspaceId: string;
  slug: string;
  flags: Map<string, CompiledFlag>;
  migrations: Map<string, { stage: number; status: string; stageKey: string }>;
  etag: string | null;
  doc: StateDocument;
}

export function compileState(doc: StateDocument, etag: string | null): CompiledState {
  const flags = new Map<string, CompiledFlag>();
  for (const [key, f] of Object.entries(doc.flags ?? {})) {
    const mode = f.mode === "on" ? ON : f.mode === "rollout" ? ROLLOUT : OFF;
    flags.set(key, { mode, bps: f.rolloutBps, seed: flagSeed(key), reason: f.reason });
  }
  const migrations = new Map<string, { stage: number; status: string; stageKey: string }>();
  for (const [key, m] of Object.entries(doc.migrations ?? {})) migrations.set(key, { stage: m.stage, status: m.status, stageKey: m.stageKey });
  return { workspaceId: doc.workspace.id, slug: doc.workspace.slug, flags, migrations, etag, doc };
}

/** A flag's value for a unit (default: the workspace id, as the server does). */
export function evaluate(state: CompiledState, flagKey: string, unitId?: string): boolean {
  const f = state.flags.get(flagKey);
  if (f === undefined || f.mode === OFF) return false;
  if (f.mode === ON) return true;
  return bucketFrom(f.seed, unitId ?? state.workspaceId) < f.bps;
}

/** Looks like a state document (a proxy's HTML error page does not). */
export function isStateDocument(x: unknown): x is StateDocument {
  const d = x as StateDocument;
  return Boolean(d && typeof d === "object" && d.workspace && typeof d.workspace.id === "string" && d.flags && typeof d.flags === "object" && d.migrations && typeof d.migrations === "object");
}
