import { handleOtlpMetrics } from "@/lib/otlp/handler";

export const dynamic = "force-dynamic";

/** OTLP/HTTP metrics export (protobuf or JSON, optionally gzip): see lib/otlp/handler.ts and the README. */
export const POST = handleOtlpMetrics;
