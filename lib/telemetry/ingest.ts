import "server-only";
import { apiError, apiFailure } from "@/lib/api/http";
import { authenticateToken, hashToken, type TokenScope } from "@/lib/api/token-auth";
import { asAnon } from "@/lib/db";
import { requestLogger } from "@/lib/log";
import { afterBatch } from "./after-batch";
import { pgArray, storeMetricBatch } from "./group-commit";
import type { IngestResult } from "./ingest-result";
import { takeRequest } from "./rate-limit";
import { readJsonBody } from "./request-body";
import { MAX_FEEDBACK_BYTES, MAX_METRIC_BYTES } from "./schemas";
import { parseFeedbackBatch, parseMetricBatch, type FeedbackColumns, type MetricColumns, type Targets } from "./validate";

const IDEMPOTENCY_KEY_RE = /^[\x21-\x7e]{1,200}$/;

interface Kind<B extends Targets> {
  scope: TokenScope;
  maxBytes: number;
  /** How items are called in messages ("samples", "items"). */
  noun: string;
  parse: (json: unknown) => { ok: true; batch: B } | { ok: false; problem: { status: number; message: string; index?: number; field?: string } };
  store: (tokenHash: string, key: string | null, requestHash: string, batch: B) => Promise<IngestResult>;
}

const METRICS: Kind<MetricColumns> = {
  scope: "metrics:write",
  maxBytes: MAX_METRIC_BYTES,
  noun: "samples",
  parse: (json) => parseMetricBatch(json),
  // Written with whatever else arrived meanwhile (group-commit.ts).
  store: storeMetricBatch,
};

const FEEDBACK: Kind<FeedbackColumns> = {
  scope: "feedback:write",
  maxBytes: MAX_FEEDBACK_BYTES,
  noun: "items",
  parse: (json) => parseFeedbackBatch(json),
  store: (tokenHash, key, requestHash, b) =>
    asAnon(async (tx) => {
      const [row] = await tx<{ r: IngestResult }[]>`
        select public.ingest_feedback(${tokenHash}, ${key}, ${requestHash}, ${b.workspaces}::text[], ${b.migrations}::text[],
          ${pgArray(b.pairs)}::int[], ${tx.json(b.items as never)}) as r`;
      return row.r;
    }),
};

export const unknownWorkspace = (slug: string | undefined) => `unknown workspace '${slug}' (or one this token may not write for)`;
export const unknownMigration = (key: string | undefined) => `unknown migration '${key}' (or one this item's workspace is not enrolled in)`;

/** Maps a refusal from SQL back to the first item that caused it. */
function refusal(r: IngestResult, batch: Targets, noun: string): Response {
  const at = (index: number | undefined, field: string, message: string, status = 422) =>
    apiError(status, `${noun}[${index ?? 0}].${field}: ${message}`, { index: index ?? 0, field });
  switch (r.error) {
    case "invalid_token":
      return apiError(401, "Invalid or revoked token", {}, { "WWW-Authenticate": 'Bearer error="invalid_token"' });
    case "missing_scope":
      return apiError(403, `This token lacks the '${r.scope}' scope`);
    // "Not yours" and "does not exist" get one answer, so a token cannot list the
    // workspaces or migrations outside its scope (tests/integration/token-scope.test.ts).
    case "unknown_workspace":
    case "workspace_not_allowed":
      return at(batch.firstWorkspace.get(r.workspace!), "workspace", unknownWorkspace(r.workspace));
    case "unknown_migration":
      return at(batch.firstMigration.get(r.migration!), "migration", unknownMigration(r.migration));
    case "not_enrolled":
      return at(batch.firstPair.get(`${r.workspace}\u0000${r.migration}`), "migration", unknownMigration(r.migration));
    case "idempotency_mismatch":
      return apiError(422, "This Idempotency-Key was already used for a different batch; use a new key for new data");
    default:
      throw new Error(`unexpected ingest answer: ${JSON.stringify(r)}`);
  }
}

/**
 * The whole ingest request: token, rate limit, body, validation, one all-or-nothing
 * SQL call (which re-checks the token and stores raw rows and rollups together),
 * then the guardrail hook outside that transaction (coalesced, see after-batch.ts).
 */
async function ingest<B extends Targets>(request: Request, kind: Kind<B>): Promise<Response> {
  const requestId = request.headers.get("x-request-id");
  const log = requestLogger(requestId);
  try {
    const grant = await authenticateToken(request, kind.scope);
    if (grant instanceof Response) return grant;
    const wait = takeRequest(grant.id);
    if (wait !== null) {
      return apiError(429, `Rate limit for this token exceeded; retry in ${wait} s`, { retryAfter: wait }, { "Retry-After": String(wait) });
    }
    const key = request.headers.get("idempotency-key");
    if (key !== null && !IDEMPOTENCY_KEY_RE.test(key)) {
      return apiError(400, "Idempotency-Key must be 1 to 200 visible ASCII characters");
    }
    const body = await readJsonBody(request, kind.maxBytes);
    if (body instanceof Response) return body;
    const parsed = kind.parse(body.json);
    if (!parsed.ok) {
      const { status, message, ...details } = parsed.problem;
      return apiError(status, message, details);
    }
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")![1];
    const result = await kind.store(hashToken(token), key, body.hash, parsed.batch);
    if (result.error) return refusal(result, parsed.batch, kind.noun);

    log.debug({ token: grant.id, accepted: result.accepted, replayed: result.replayed ?? false }, "telemetry batch stored");
    if (!result.replayed) await afterBatch(result.workspace_ids ?? [], result.migration_ids ?? []);
    return Response.json(
      { accepted: result.accepted, replayed: result.replayed ?? false },
      { status: 200, headers: { "Cache-Control": "no-store", ...(result.replayed ? { "Idempotent-Replayed": "true" } : {}) } },
    );
  } catch (e) {
    return apiFailure(e, requestId);
  }
}

export const ingestMetrics = (request: Request) => ingest(request, METRICS);
export const ingestFeedback = (request: Request) => ingest(request, FEEDBACK);
