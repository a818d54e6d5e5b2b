// A flag's decision for a workspace before the per-unit hash, in TypeScript:
// the same order as the SQL app_private.flag_rules (kill switch, override,
// enabled, stage link, percentage) and the same reasons, so the edge server can
// evaluate from memory. tests/integration/edge-parity.test.ts compares it with
// public.evaluate_flags over every flag, workspace and many units.
// Plain TypeScript with no imports beyond the hash, so clients may share it.
import { bucketFrom, flagSeed } from "./hash";

export type FlagMode = "on" | "off" | "rollout";

export interface FlagDefinition {
  id: string;
  key: string;
  migrationId: string | null;
  minStage: number | null;
  enabled: boolean;
  rolloutBps: number;
  killed: boolean;
}

export interface FlagRule {
  key: string;
  mode: FlagMode;
  /** killed | override | disabled | not_enrolled | stage_not_reached | rollout */
  reason: string;
  rolloutBps: number;
  /** FNV state after "key:", so a unit costs one short hash. */
  seed: number;
  /** linked to a migration stage (its value follows the workspace's stage) */
  linked: boolean;
}

/**
 * @param override the workspace's override of this flag, undefined when none
 * @param stage the workspace's stage in the flag's linked migration, undefined when not enrolled
 */
export function flagRule(f: FlagDefinition, override: boolean | undefined, stage: number | undefined, seed = flagSeed(f.key)): FlagRule {
  let mode: FlagMode;
  let reason: string;
  if (f.killed) [mode, reason] = ["off", "killed"];
  else if (override !== undefined) [mode, reason] = [override ? "on" : "off", "override"];
  else if (!f.enabled) [mode, reason] = ["off", "disabled"];
  else if (f.migrationId !== null && stage === undefined) [mode, reason] = ["off", "not_enrolled"];
  else if (f.migrationId !== null && stage! < f.minStage!) [mode, reason] = ["off", "stage_not_reached"];
  else if (f.rolloutBps >= 10_000) [mode, reason] = ["on", "rollout"];
  else if (f.rolloutBps <= 0) [mode, reason] = ["off", "rollout"];
  else [mode, reason] = ["rollout", "rollout"];
  return { key: f.key, mode, reason, rolloutBps: f.rolloutBps, seed, linked: f.migrationId !== null };
}

export interface FlagValue {
  value: boolean;
  /** the rule's reason, with 'rollout' told apart as in_rollout / outside_rollout */
  reason: string;
}

/** A rule's value for a unit, with the reason SQL's evaluate_rules gives. */
export function evaluateRule(r: FlagRule, unitId: string): FlagValue {
  const value = r.mode === "on" ? true : r.mode === "off" ? false : bucketFrom(r.seed, unitId) < r.rolloutBps;
  return { value, reason: r.reason === "rollout" ? (value ? "in_rollout" : "outside_rollout") : r.reason };
}
