// The edge server's in-memory copy of what it serves, and the state document
// built from it. Pure data and functions (no I/O): lib/edge/sync.ts fills it
// from Postgres, lib/edge/server.ts answers from it.
//
// The body is byte-for-byte the text public.workspace_state returns for the same
// state (see ./jsonb.ts), so its md5 ETag is the same on the Next route and on
// every edge replica; tests/integration/edge-parity.test.ts checks both.
import { createHash } from "node:crypto";
import { flagSeed } from "../flags/hash";
import { evaluateRule, flagRule, type FlagDefinition, type FlagRule } from "../flags/rules";
import { compareJsonbKeys, jsonbString, jsonbText, type JsonbValue } from "./jsonb";

export interface WorkspaceRow {
  id: string;
  slug: string;
  name: string;
}
export interface MigrationRow {
  id: string;
  key: string;
  stages: Map<number, { key: string; name: string }>;
  lastStage: number | null;
}
export interface RolloutRow {
  stage: number;
  status: string;
}
export interface TokenGrant {
  id: string;
  hash: string;
  /** null: every workspace */
  workspaceIds: Set<string> | null;
  scopes: Set<string>;
}

/** Everything the answers depend on, as loaded from the database. */
export interface Snapshot {
  workspaces: Map<string, WorkspaceRow>;
  migrations: Map<string, MigrationRow>;
  flags: FlagDefinition[];
  /** workspace id → migration id → rollout */
  rollouts: Map<string, Map<string, RolloutRow>>;
  /** workspace id → flag id → override value */
  overrides: Map<string, Map<string, boolean>>;
  /** token hash → grant (revoked tokens are not loaded) */
  tokens: Map<string, TokenGrant>;
}

export function emptySnapshot(): Snapshot {
  return { workspaces: new Map(), migrations: new Map(), flags: [], rollouts: new Map(), overrides: new Map(), tokens: new Map() };
}

/** A workspace compiled for answering: rules in jsonb key order, the unit-independent text, the default body. */
export interface CompiledWorkspace {
  ws: WorkspaceRow;
  rules: FlagRule[];
  /** jsonbString(rule.key) per rule, same order */
  keyTexts: string[];
  /** text of the "workspace" member */
  workspaceText: string;
  /** text of the "migrations" member */
  migrationsText: string;
  /** body and ETag for the default unit (the workspace id) */
  body: string;
  etag: string;
  /** version of the change that last changed this body (SSE event id) */
  version: number;
}

export const md5Etag = (body: string) => `"${createHash("md5").update(body, "utf8").digest("hex")}"`;

const MODE_TEXT = { on: '"on"', off: '"off"', rollout: '"rollout"' } as const;

/** Flags sorted once per flag-set change: jsonb orders object keys by length, then bytes. */
export function sortFlags(flags: FlagDefinition[]): { flags: FlagDefinition[]; seeds: number[] } {
  const sorted = [...flags].sort((a, b) => compareJsonbKeys(a.key, b.key));
  return { flags: sorted, seeds: sorted.map((f) => flagSeed(f.key)) };
}

export function compileWorkspace(
  snap: Snapshot,
  sortedFlags: { flags: FlagDefinition[]; seeds: number[] },
  migrationsSorted: MigrationRow[],
  ws: WorkspaceRow,
  version: number,
  /** the previous compilation, when only flag definitions changed: its workspace and migrations text still hold */
  reuse?: CompiledWorkspace,
): CompiledWorkspace {
  const rollouts = snap.rollouts.get(ws.id);
  const overrides = snap.overrides.get(ws.id);
  const rules = sortedFlags.flags.map((f, i) =>
    flagRule(f, overrides?.get(f.id), f.migrationId === null ? undefined : rollouts?.get(f.migrationId)?.stage, sortedFlags.seeds[i]),
  );
  const c: CompiledWorkspace = {
    ws,
    rules,
    keyTexts: rules.map((r) => jsonbString(r.key)),
    workspaceText: reuse?.workspaceText ?? jsonbText({ id: ws.id, slug: ws.slug, name: ws.name }),
    migrationsText: reuse?.migrationsText ?? migrationsText(migrationsSorted, rollouts),
    body: "",
    etag: "",
    version,
  };
  c.body = stateBody(c, ws.id);
  c.etag = md5Etag(c.body);
  return c;
}

function migrationsText(migrationsSorted: MigrationRow[], rollouts: Map<string, RolloutRow> | undefined): string {
  const migrations: Record<string, JsonbValue> = {};
  for (const m of migrationsSorted) {
    const r = rollouts?.get(m.id);
    const stage = r?.stage ?? 0;
    const s = m.stages.get(stage);
    migrations[m.key] = {
      stage,
      stageKey: s?.key ?? null,
      stageName: s?.name ?? null,
      status: r?.status ?? "not_enrolled",
      lastStage: m.lastStage,
    };
  }
  return jsonbText(migrations);
}

/** The state document for a unit, as jsonb text (keys: unit, flags, workspace, migrations). */
export function stateBody(c: CompiledWorkspace, unitId: string): string {
  let flags = "";
  for (let i = 0; i < c.rules.length; i++) {
    const r = c.rules[i];
    const v = evaluateRule(r, unitId);
    flags += `${i ? ", " : ""}${c.keyTexts[i]}: {"mode": ${MODE_TEXT[r.mode]}, "value": ${v.value}, "reason": "${v.reason}", "rolloutBps": ${r.rolloutBps}}`;
  }
  return `{"unit": ${jsonbString(unitId)}, "flags": {${flags}}, "workspace": ${c.workspaceText}, "migrations": ${c.migrationsText}}`;
}

/** Whether a grant covers a workspace (null list: every workspace). */
export function covers(grant: TokenGrant, workspaceId: string): boolean {
  return grant.workspaceIds === null || grant.workspaceIds.has(workspaceId);
}
