import { handleVerdict } from "@/lib/rollouts/verdict-api";

// GET /api/v1/migrations/{key}/verdict?workspace=<slug> — the gate verdict (Argo Rollouts'
// Web metric provider); POST — Flagger's webhooks (200 goes on, 412 halts with the reason).
// The handler lives in lib/rollouts/verdict-api.ts.

export const dynamic = "force-dynamic";

export const GET = (request: Request) => handleVerdict(request);
export const POST = (request: Request) => handleVerdict(request);
