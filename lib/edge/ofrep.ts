// OFREP (OpenFeature Remote Evaluation Protocol) answers from the edge's memory:
// POST /ofrep/v1/evaluate/flags/{key} and POST /ofrep/v1/evaluate/flags.
// Evaluation context → workspace: context.workspace (a slug), or the only
// workspace of a token scoped to exactly one; unit: context.targetingKey.
// A flag rolled out to a percentage needs a targeting key (TARGETING_KEY_MISSING);
// flags that are on or off for the whole workspace do not.
import { z } from "zod";
import { evaluateRule, type FlagRule } from "../flags/rules";
import { UnitId, WORKSPACE_SLUG } from "../flags/state-input";
import { covers, type CompiledWorkspace, type TokenGrant } from "./model";

export const OfrepRequest = z.object({
  context: z.record(z.string(), z.unknown()).optional(),
});

export type OfrepErrorCode = "PARSE_ERROR" | "TARGETING_KEY_MISSING" | "INVALID_CONTEXT" | "FLAG_NOT_FOUND" | "GENERAL";

export interface OfrepFailure {
  status: 400 | 404;
  errorCode: OfrepErrorCode;
  errorDetails: string;
}

export interface OfrepTarget {
  c: CompiledWorkspace;
  unit: string | null;
}

// The Next route's wording, so both answer "not yours" and "does not exist" alike.
export const notYours = (slug: string) => `No workspace with slug "${slug}"`;

/** The workspace and unit an evaluation context names, or why it names none this token may read. */
export function resolveContext(body: unknown, grant: TokenGrant, lookup: (slug: string) => CompiledWorkspace | undefined, byId: (id: string) => CompiledWorkspace | undefined): OfrepTarget | OfrepFailure {
  const parsed = OfrepRequest.safeParse(body ?? {});
  if (!parsed.success) return { status: 400, errorCode: "INVALID_CONTEXT", errorDetails: "The request body must be an object with an optional 'context' object" };
  const ctx = parsed.data.context ?? {};
  let unit: string | null = null;
  if (ctx.targetingKey !== undefined) {
    const u = UnitId.safeParse(ctx.targetingKey);
    if (!u.success) return { status: 400, errorCode: "INVALID_CONTEXT", errorDetails: `context.targetingKey ${typeof ctx.targetingKey === "string" ? u.error.issues[0].message : "must be a string"}` };
    unit = u.data;
  }
  const ws = ctx.workspace;
  let c: CompiledWorkspace | undefined;
  if (ws === undefined) {
    if (grant.workspaceIds?.size === 1) c = byId([...grant.workspaceIds][0]);
    if (!c) return { status: 400, errorCode: "INVALID_CONTEXT", errorDetails: "context.workspace is required: the slug of the workspace to evaluate for" };
  } else {
    if (typeof ws !== "string") return { status: 400, errorCode: "INVALID_CONTEXT", errorDetails: "context.workspace must be a workspace slug (a string)" };
    if (!WORKSPACE_SLUG.test(ws)) return { status: 400, errorCode: "INVALID_CONTEXT", errorDetails: notYours(ws.slice(0, 70)) };
    c = lookup(ws);
    // The same answer for "not yours" and "does not exist".
    if (!c || !covers(grant, c.ws.id)) return { status: 400, errorCode: "INVALID_CONTEXT", errorDetails: notYours(ws) };
  }
  return { c, unit };
}

const OF_REASON: Record<string, string> = {
  killed: "DISABLED",
  disabled: "DISABLED",
  override: "TARGETING_MATCH",
  not_enrolled: "TARGETING_MATCH",
  stage_not_reached: "TARGETING_MATCH",
};

export type OfrepResult =
  | { key: string; value: boolean; reason: string; variant: "on" | "off"; metadata: Record<string, string | number | boolean> }
  | { key: string; errorCode: OfrepErrorCode; errorDetails: string };

export function evaluateOfrep(t: OfrepTarget, r: FlagRule): OfrepResult {
  if (r.mode === "rollout" && t.unit === null)
    return {
      key: r.key,
      errorCode: "TARGETING_KEY_MISSING",
      errorDetails: `Flag "${r.key}" is on for ${r.rolloutBps / 100} % of units: send context.targetingKey (the unit id)`,
    };
  const v = evaluateRule(r, t.unit ?? t.c.ws.id);
  // Percentages split units; a stage link or an override targets the workspace; a plain on/off is static.
  const reason = r.mode === "rollout" ? "SPLIT" : (OF_REASON[r.reason] ?? (r.linked ? "TARGETING_MATCH" : "STATIC"));
  return { key: r.key, value: v.value, reason, variant: v.value ? "on" : "off", metadata: { reason: v.reason, workspace: t.c.ws.slug, rolloutBps: r.rolloutBps } };
}

export const isFailure = (x: OfrepTarget | OfrepFailure): x is OfrepFailure => "errorCode" in x;
