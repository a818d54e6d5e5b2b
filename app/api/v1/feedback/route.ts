import { ingestFeedback } from "@/lib/telemetry/ingest";

export const dynamic = "force-dynamic";

/** POST a batch of up to 1 000 feedback items (see lib/telemetry/schemas.ts). */
export const POST = ingestFeedback;
