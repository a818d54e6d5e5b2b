import type { StageDef } from "@/lib/seed/plans";

// Shapes shared by the rollout pages, actions and components.
export type RolloutStatus = "active" | "paused" | "rolled_back";
export type TransitionKind = "advance" | "rollback" | "auto_rollback" | "emergency_stop" | "override" | "pause" | "resume" | "enroll";

export interface GateCheck {
  check: string;
  label: string;
  observed: number | null;
  threshold: number;
  unit: string;
  comparator: ">=" | "<=" | ">" | "<";
  /** inconclusive: a sequential check whose interval still straddles the limit (blocks like a failure) */
  status: "pass" | "fail" | "no_data" | "inconclusive";
  observed_old?: number | null;
  observed_new?: number | null;
  /** sequential checks (supabase/schemas/checks): the interval, the test and one line for people */
  lower?: number | null;
  upper?: number | null;
  n_old?: number;
  n_new?: number;
  needed_samples_estimate?: number | null;
  test?: string;
  summary?: string;
}

export interface GateReport {
  passed: boolean;
  from_stage: number;
  target_stage: number;
  target_stage_key: string;
  target_stage_name: string;
  window_from: string;
  window_to: string;
  evaluated_at: string;
  checks: GateCheck[];
  overridden?: boolean;
  wave?: boolean;
  seeded?: boolean;
}

/** A stage as the pages read it: its definition (the same shape plans are seeded with) and its position. */
export interface StageRow extends StageDef {
  position: number;
}

export interface TransitionRow {
  id: string;
  fromStage: number;
  toStage: number;
  kind: TransitionKind;
  statusAfter: RolloutStatus;
  actorEmail: string | null;
  reason: string;
  gateReport: GateReport | null;
  createdAt: string;
}

export interface WaveItem {
  workspace_id: string;
  slug: string;
  name: string;
  is_canary?: boolean;
  message?: string;
  reason?: string;
}

export interface WaveResult {
  dry_run: boolean;
  from_stage: number;
  to_stage: number;
  population: number;
  already_past: number;
  wanted: number;
  moved: WaveItem[];
  failed: WaveItem[];
  skipped: WaveItem[];
}

export interface AdvanceResult {
  ok: boolean;
  transition_id?: string;
  from_stage?: number;
  to_stage?: number;
  kind?: TransitionKind;
  report?: GateReport;
  message?: string;
}

/** How far a running wave or hand-picked advance has got (lib/rollouts/progress.ts). */
export interface BulkProgress {
  /** workspaces looked at so far */
  looked: number;
  /** of `total`: moved or refused (a wave), looked at (hand-picked) */
  done: number;
  /** workspaces the action means to move (a wave) or was given (hand-picked) */
  total: number;
  moved: number;
  failed: number;
  skipped: number;
  final: boolean;
}
