import { ingestMetrics } from "@/lib/telemetry/ingest";

export const dynamic = "force-dynamic";

/** POST a batch of up to 5 000 metric samples (see lib/telemetry/schemas.ts). */
export const POST = ingestMetrics;
