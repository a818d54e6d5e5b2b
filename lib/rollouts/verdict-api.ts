import "server-only";
// GET/POST /api/v1/migrations/{key}/verdict: the current gate verdict of a workspace,
// or of a cohort, for the rollout tools teams already run.
//  - GET (Argo Rollouts' Web metric provider): always 200 with the verdict in the body,
//    so an AnalysisTemplate reads it with jsonPath "{$.verdict}" or "{$.passed}".
//  - POST (Flagger webhooks: confirm-rollout, pre-rollout, rollout, confirm-promotion):
//    Flagger sends {name, namespace, phase, checksum, metadata: {…}} and goes on only on
//    a 2xx, so a passing verdict is 200 and anything else 412 with the reason.
//    Flagger cannot send headers: the token may come as metadata.token instead of
//    `Authorization: Bearer`. metadata.workspace / stage / target_stage select what is judged.
// One SQL call (public.migration_verdict) checks the token, scope and workspace scope
// and evaluates the same gate report an advance would.
import { z } from "zod";
import { apiError, apiFailure } from "@/lib/api/http";
import { bearerFromHeader, hashToken, TOKEN_PREFIX } from "@/lib/api/token-hash";
import { sql } from "@/lib/db";
import { readJsonBody } from "@/lib/telemetry/request-body";
import { migrationKey, workspaceSlug } from "@/lib/validation/identifiers";
import { text } from "@/lib/validation/text";

const HEADERS = { "Cache-Control": "no-store", Vary: "Authorization" };
const PATH_RE = /^\/api\/v1\/migrations\/([^/]+)\/verdict\/?$/;

const stageParam = (min: number) =>
  z
    .string()
    .regex(/^-?\d{1,4}$/, "a whole number")
    .transform(Number)
    .refine((n) => n >= min, `at least ${min}`);

/** What is judged: one workspace, or the cohort (optionally at a stage). */
const Selection = z
  .object({
    workspace: workspaceSlug.optional(),
    stage: stageParam(0).optional(),
    target_stage: stageParam(1).optional(),
  })
  .strict()
  .refine((s) => !(s.workspace && s.stage !== undefined), "stage selects a cohort: leave it out when naming a workspace (its own stage is used)");
type Selection = z.infer<typeof Selection>;

/** Flagger's webhook payload (https://docs.flagger.app/usage/webhooks). metadata values are strings. */
const FlaggerPayload = z.object({
  name: text().max(253).optional(),
  namespace: text().max(253).optional(),
  phase: text().max(64).optional(),
  checksum: text().max(200).optional(),
  metadata: z.record(z.string().max(1000), text().max(1000)).optional(),
});

const refusal = (status: number, message: string) =>
  apiError(status, message, {}, status === 401 ? { "WWW-Authenticate": 'Bearer error="invalid_token"', ...HEADERS } : HEADERS);

function missingToken() {
  return apiError(401, "Missing bearer token: send 'Authorization: Bearer <ingest token>' (Flagger: metadata.token)", {}, { "WWW-Authenticate": 'Bearer realm="rollout-console"' });
}

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0];
  const where = i?.path.length ? `${i.path.join(".")}: ` : "";
  return i?.code === "unrecognized_keys" ? `unknown parameter(s): ${i.keys.join(", ")}; known: workspace, stage, target_stage` : `${where}${i?.message ?? "malformed"}`;
}

interface Verdict {
  status: number;
  body: { verdict: string; passed: boolean; reason: string | null } & Record<string, unknown>;
  message: string | null;
}

async function judge(token: string, key: string, s: Selection): Promise<Verdict> {
  const [row] = await sql()<Verdict[]>`
    select status, body, message from public.migration_verdict(${hashToken(token)}, ${key}, ${s.workspace ?? null}, ${s.stage ?? null}, ${s.target_stage ?? null})`;
  return row;
}

/** The request handler for both methods (route files and tests call it). */
export async function handleVerdict(request: Request): Promise<Response> {
  const requestId = request.headers.get("x-request-id");
  const url = new URL(request.url);
  const m = PATH_RE.exec(url.pathname);
  let key: string;
  try {
    key = decodeURIComponent(m?.[1] ?? "");
  } catch {
    return apiError(400, "The URL path is not valid UTF-8", {}, HEADERS);
  }
  try {
    if (request.method === "GET") {
      const token = bearerFromHeader(request.headers.get("authorization"));
      if (!token) return request.headers.get("authorization") ? refusal(401, "Invalid or revoked token") : missingToken();
      if (!migrationKey.safeParse(key).success) return refusal(404, `No migration with key "${key.slice(0, 70)}"`);
      const sel = Selection.safeParse(Object.fromEntries(url.searchParams));
      if (!sel.success) return refusal(400, firstIssue(sel.error));
      if (url.searchParams.getAll("workspace").length > 1) return refusal(400, "workspace: give one");
      const v = await judge(token, key, sel.data);
      if (v.status !== 200) return refusal(v.status, v.message ?? "Refused");
      return Response.json(v.body, { headers: HEADERS });
    }
    if (request.method === "POST") {
      const body = await readJsonBody(request, 64 * 1024);
      if (body instanceof Response) return body;
      const payload = FlaggerPayload.safeParse(body.json);
      if (!payload.success) return refusal(400, `Not a Flagger webhook payload: ${firstIssue(payload.error)}`);
      const meta = payload.data.metadata ?? {};
      const header = request.headers.get("authorization");
      const token = header ? bearerFromHeader(header) : meta.token?.startsWith(TOKEN_PREFIX) && meta.token.length <= 200 ? meta.token : null;
      if (!token) return header || meta.token ? refusal(401, "Invalid or revoked token") : missingToken();
      if (!migrationKey.safeParse(key).success) return refusal(404, `No migration with key "${key.slice(0, 70)}"`);
      if (meta.migration !== undefined && meta.migration !== key) {
        return refusal(400, `metadata.migration is "${meta.migration.slice(0, 70)}" but the URL names "${key}"`);
      }
      const { workspace, stage, target_stage } = meta;
      const sel = Selection.safeParse(Object.fromEntries(Object.entries({ workspace, stage, target_stage }).filter(([, v]) => v !== undefined)));
      if (!sel.success) return refusal(400, `metadata.${firstIssue(sel.error)}`);
      const v = await judge(token, key, sel.data);
      if (v.status !== 200) return refusal(v.status, v.message ?? "Refused");
      const canary = { name: payload.data.name, namespace: payload.data.namespace, phase: payload.data.phase };
      if (v.body.passed) return Response.json({ ...v.body, canary }, { headers: HEADERS });
      // Flagger logs the answer's body as the reason the canary does not advance.
      return Response.json({ error: { status: 412, message: v.body.reason ?? "The gate does not pass" }, ...v.body, canary }, { status: 412, headers: HEADERS });
    }
    return apiError(405, "Use GET (Argo Rollouts) or POST (Flagger webhooks)", {}, { Allow: "GET, POST", ...HEADERS });
  } catch (e) {
    return apiFailure(e, requestId);
  }
}
