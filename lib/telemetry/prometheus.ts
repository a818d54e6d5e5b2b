// Prometheus as a metric source: the pure parts (no I/O), shared by the worker task
// (lib/jobs/prometheus-query.ts), the settings form's server action and the tests.
// A source is a PromQL template per migration; the worker renders it for each enrolled
// workspace and variant, runs it as an instant query at one evaluation time, and stores
// every finite value of the answer as one sample of the source's metric.
import { z } from "zod";
import { identifier } from "../validation/identifiers";
import { text } from "../validation/text";

/** The placeholders a template may use. {{workspace}} and {{variant}} are required. */
export const PLACEHOLDERS = ["workspace", "variant", "migration", "window"] as const;
const PLACEHOLDER_RE = /\{\{\s*([A-Za-z_]+)\s*\}\}/g;

function envInt(name: string, fallback: number, min: number, max: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

/**
 * What one run may cost, whatever the query returns (README "Prometheus sources"):
 * series kept per query (more: the query is refused, nothing of it stored), samples
 * stored per source per run, workspaces queried per source per run, bytes read per
 * answer, and the magnitude a value may have (NaN, ±Inf and beyond it are dropped).
 */
export function prometheusLimits() {
  return {
    maxSeriesPerQuery: envInt("PROM_MAX_SERIES", 50, 1, 1000),
    maxSamplesPerRun: envInt("PROM_MAX_SAMPLES_PER_RUN", 10_000, 1, 1_000_000),
    maxWorkspacesPerRun: envInt("PROM_MAX_WORKSPACES", 200, 1, 10_000),
    maxResponseBytes: envInt("PROM_MAX_RESPONSE_BYTES", 1 << 20, 1024, 64 << 20),
    timeoutMs: envInt("PROM_TIMEOUT_MS", 5_000, 100, 120_000),
    maxAbsValue: 1e12,
  };
}

/** A value inside a PromQL string literal ("…"): backslashes, quotes and line breaks escaped. */
export function promString(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\r/g, "\\r");
}

export interface RenderVars {
  workspace: string;
  variant: "old" | "new";
  migration: string;
  windowSeconds: number;
}

/** The template with its placeholders filled in (string values escaped for PromQL literals). */
export function renderQuery(template: string, v: RenderVars): string {
  return template.replace(PLACEHOLDER_RE, (whole, name: string) => {
    switch (name) {
      case "workspace":
        return promString(v.workspace);
      case "variant":
        return v.variant;
      case "migration":
        return promString(v.migration);
      case "window":
        return `${v.windowSeconds}s`;
      default:
        return whole;
    }
  });
}

/** Problems with a template, for people; empty when it is usable. */
export function templateProblems(template: string): string[] {
  const used = new Set([...template.matchAll(PLACEHOLDER_RE)].map((m) => m[1]));
  const problems: string[] = [];
  const unknown = [...used].filter((u) => !(PLACEHOLDERS as readonly string[]).includes(u));
  if (unknown.length) problems.push(`unknown placeholder(s) ${unknown.map((u) => `{{${u}}}`).join(", ")}; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(", ")}`);
  for (const need of ["workspace", "variant"]) if (!used.has(need)) problems.push(`must use {{${need}}}, so each workspace and variant gets its own series`);
  return problems;
}

/** The settings form's input; the server action checks the URL's addresses too. */
export const PrometheusSourceInput = z.object({
  name: text().trim().min(1, "Give the source a name").max(120, "At most 120 characters"),
  baseUrl: z
    .string()
    .max(500, "at most 500 characters")
    .refine((u) => {
      try {
        const url = new URL(u);
        return (url.protocol === "http:" || url.protocol === "https:") && !url.username && !url.password && !url.search && !url.hash;
      } catch {
        return false;
      }
    }, "an http(s) URL without credentials, query or fragment, e.g. http://prometheus.internal:9090"),
  query: text().trim().min(1, "Give a PromQL query").max(4000, "At most 4 000 characters").superRefine((q, ctx) => {
    for (const p of templateProblems(q)) ctx.addIssue({ code: "custom", message: p });
  }),
  metric: identifier("metric_name"),
  windowSeconds: z.coerce.number().int("a whole number of seconds").min(10, "at least 10 s").max(86_400, "at most 1 day"),
  intervalSeconds: z.coerce.number().int("a whole number of seconds").min(60, "at least 60 s").max(86_400, "at most 1 day"),
  enabled: z.boolean(),
});
export type PrometheusSourceInput = z.infer<typeof PrometheusSourceInput>;

export type QueryOutcome =
  | { kind: "values"; values: number[]; series: number; dropped: number }
  | { kind: "no_data"; reason: string }
  | { kind: "error"; reason: string };

const num = (s: unknown): number => (typeof s === "string" ? Number(s) : NaN);

/**
 * Reads a Prometheus /api/v1/query answer (https://prometheus.io/docs/prometheus/latest/querying/api/):
 * an instant vector or a scalar. Values that are NaN, ±Inf or beyond the magnitude
 * limit are dropped (counted); more series than the limit refuses the whole answer.
 */
export function readQueryAnswer(status: number, body: string, limits = prometheusLimits()): QueryOutcome {
  let json: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: unknown } };
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: "error", reason: `HTTP ${status}: not a Prometheus API answer` };
  }
  if (json?.status !== "success") {
    const why = typeof json?.error === "string" ? json.error.slice(0, 300) : `HTTP ${status}`;
    return { kind: "error", reason: `${json?.errorType === "bad_data" ? "invalid query" : "query failed"}: ${why}` };
  }
  const data = json.data ?? {};
  let raw: unknown[];
  if (data.resultType === "scalar") raw = [num((data.result as unknown[])?.[1])];
  else if (data.resultType === "vector" && Array.isArray(data.result)) {
    if (data.result.length > limits.maxSeriesPerQuery) {
      return { kind: "error", reason: `the query returned ${data.result.length} series; at most ${limits.maxSeriesPerQuery} are kept per query (aggregate it, e.g. with avg or sum)` };
    }
    raw = data.result.map((r) => num((r as { value?: unknown[] })?.value?.[1]));
  } else {
    return { kind: "error", reason: `the query returned a ${data.resultType ?? "malformed"} result; an instant vector or scalar is needed (wrap ranges in e.g. avg_over_time)` };
  }
  if (raw.length === 0) return { kind: "no_data", reason: "no series" };
  const values = (raw as number[]).filter((v) => Number.isFinite(v) && Math.abs(v) <= limits.maxAbsValue);
  if (values.length === 0) return { kind: "no_data", reason: `${raw.length} series, none with a finite value (NaN or ±Inf)` };
  return { kind: "values", values, series: raw.length, dropped: raw.length - values.length };
}

/** The evaluation time of a run: now, aligned down to the source's interval (re-runs within it are the same run). */
export function alignedEvaluationTime(nowMs: number, intervalSeconds: number): number {
  return Math.floor(nowMs / 1000 / intervalSeconds) * intervalSeconds;
}
