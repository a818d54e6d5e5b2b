import { asService, isUnavailable } from "@/lib/db";
import { log } from "@/lib/log";

export const dynamic = "force-dynamic";

// Liveness + readiness: 200 when the database answers, with the schema version.
export async function GET() {
  const started = performance.now();
  try {
    const [row] = await asService((tx) => tx<{ v: string | null }[]>`select max(version) as v from supabase_migrations.schema_migrations`);
    return Response.json(
      { status: "ok", database: "reachable", schemaVersion: row?.v ?? null, latencyMs: Math.round(performance.now() - started) },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch (e) {
    if (!isUnavailable(e)) log.error({ err: e }, "health check failed");
    return Response.json(
      { status: "unavailable", database: isUnavailable(e) ? "unreachable" : "error" },
      { status: 503, headers: { "Retry-After": "5", "Cache-Control": "no-store" } },
    );
  }
}
