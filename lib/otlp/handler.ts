import "server-only";
import { isUnavailable } from "@/lib/db";
import { authenticateToken, hashToken } from "@/lib/api/token-auth";
import { log as rootLog, requestLogger } from "@/lib/log";
import { afterBatch } from "@/lib/telemetry/after-batch";
import { takeRequest } from "@/lib/telemetry/rate-limit";
import { encodingOf, readOtlpBody, type Encoding } from "./body";
import { otlpConfig } from "./config";
import { countPoints, extract } from "./mapping";
import { decodeRequest } from "./proto";
import { otlpError, otlpSuccess } from "./response";
import { ExportRequest, firstIssue } from "./schema";
import { storeOtlp, TargetsChanged } from "./store";

/** An /api/v1 error Response (from token auth) re-encoded as an OTLP Status, keeping its status and headers. */
async function reencode(res: Response, encoding: Encoding): Promise<Response> {
  const body = (await res.json()) as { error?: { message?: string } };
  const headers: Record<string, string> = {};
  const auth = res.headers.get("www-authenticate");
  if (auth) headers["WWW-Authenticate"] = auth;
  return otlpError(encoding, res.status, body.error?.message ?? "Refused", headers);
}

/**
 * POST /v1/metrics (OTLP/HTTP): the ingest token, the per-token rate limit, the
 * body (protobuf or JSON, optionally gzip), the envelope, then each data point on
 * its own. Points that cannot be stored are rejected alone and counted in the
 * answer's partial_success; the rest land as samples and rollups exactly like
 * /api/v1/metrics batches, and guardrails are evaluated after them.
 */
export async function handleOtlpMetrics(request: Request): Promise<Response> {
  const requestId = request.headers.get("x-request-id");
  const log = requestLogger(requestId);
  const encoding = encodingOf(request);
  const answerIn = encoding ?? "json";
  try {
    const grant = await authenticateToken(request, "metrics:write");
    if (grant instanceof Response) return reencode(grant, answerIn);
    const wait = takeRequest(grant.id);
    if (wait !== null) return otlpError(answerIn, 429, `Rate limit for this token exceeded; retry in ${wait} s`, { "Retry-After": String(wait) });
    if (!encoding) {
      const type = request.headers.get("content-type");
      return otlpError("json", 415, `Send OTLP as 'application/x-protobuf' or 'application/json' (got ${type ? `'${type.slice(0, 80)}'` : "no Content-Type"})`);
    }
    const cfg = otlpConfig();
    const body = await readOtlpBody(request, cfg);
    if (!Buffer.isBuffer(body)) return otlpError(encoding, body.status, body.message);

    let decoded: unknown;
    try {
      decoded = encoding === "protobuf" ? decodeRequest(body) : JSON.parse(body.toString("utf8"));
    } catch (e) {
      return otlpError(encoding, 400, `The body is not a valid ${encoding === "protobuf" ? "protobuf" : "JSON"} ExportMetricsServiceRequest: ${(e as Error).message}`);
    }
    const parsed = ExportRequest.safeParse(decoded);
    if (!parsed.success) return otlpError(encoding, 400, `Not an ExportMetricsServiceRequest: ${firstIssue(parsed.error)}`);
    const total = countPoints(parsed.data);
    if (total > cfg.maxDataPoints) {
      return otlpError(encoding, 413, `${total} data points in one request, at most ${cfg.maxDataPoints}: export smaller batches (the Collector's batch processor: send_batch_max_size)`);
    }

    const extracted = extract(parsed.data, cfg);
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")![1];
    const stored = await storeOtlp(hashToken(token), extracted, cfg);
    if ("error" in stored) {
      return stored.error === "invalid_token"
        ? otlpError(encoding, 401, "Invalid or revoked token", { "WWW-Authenticate": 'Bearer error="invalid_token"' })
        : otlpError(encoding, 403, "This token lacks the 'metrics:write' scope");
    }
    log.debug({ token: grant.id, points: total, stored: stored.accepted, rejected: stored.rejected }, "otlp metrics stored");
    if (stored.workspaceIds.length) await afterBatch(stored.workspaceIds, stored.migrationIds);
    return otlpSuccess(encoding, stored.rejected, stored.firstProblem);
  } catch (e) {
    if (isUnavailable(e)) return otlpError(answerIn, 503, "The database is unreachable; retry shortly.", { "Retry-After": "5" });
    if (e instanceof TargetsChanged) return otlpError(answerIn, 503, "Workspaces or migrations changed while storing; retry.", { "Retry-After": "1" });
    rootLog.error({ err: e, requestId }, "otlp request failed");
    return otlpError(answerIn, 500, `Internal error${requestId ? ` (request ${requestId})` : ""}`);
  }
}
