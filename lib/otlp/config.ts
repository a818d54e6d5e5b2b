// Settings of the OTLP/HTTP receiver (POST /v1/metrics), read from the environment
// on each request so tests and operators can change them without a restart.
import { z } from "zod";

/** Metric names mapped onto ours by default: the HTTP server duration of the semantic conventions is our latency. */
export const DEFAULT_METRIC_NAMES: Record<string, string> = {
  "http.server.request.duration": "latency_ms",
  "http.server.duration": "latency_ms",
};

/**
 * A cumulative series' last point is forgotten after this long without a new one
 * (the worker's hourly prune_raw_metrics; kept equal to the interval there), and a
 * series' first point counts in full only when its stream started within it.
 */
export const SERIES_TTL_MS = 24 * 3_600_000;

export interface OtlpConfig {
  attributes: { workspace: string; migration: string; variant: string };
  /** OTel metric name → our metric name. */
  names: Record<string, string>;
  /** Derive `error` and `success` counts from latency histograms' status attributes. */
  deriveOutcomes: boolean;
  /** Compressed (as sent) and decompressed body limits. */
  maxBodyBytes: number;
  maxDecodedBytes: number;
  maxDataPoints: number;
  /** Cumulative series whose last point we keep, per token. */
  maxSeriesPerToken: number;
  maxAttributes: number;
  maxAttributeKeyLength: number;
  maxAttributeValueLength: number;
  maxBuckets: number;
}

const int = (name: string, fallback: number) => {
  const raw = process.env[name];
  const n = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer (got '${raw}')`);
  return n;
};

const AttributeName = z.string().regex(/^[A-Za-z0-9_.:/-]{1,128}$/);

/** OTLP_METRIC_NAMES: "otel.name=our_name,other.name=other" (added to, and overriding, the defaults). */
export function parseNameMap(raw: string | undefined): Record<string, string> {
  const out = { ...DEFAULT_METRIC_NAMES };
  for (const part of (raw ?? "").split(",").map((s) => s.trim()).filter(Boolean)) {
    const m = /^([^=\s]{1,255})=([A-Za-z][A-Za-z0-9_.:-]{0,63})$/.exec(part);
    if (!m) throw new Error(`OTLP_METRIC_NAMES: '${part}' is not 'otel.name=our_metric_name'`);
    out[m[1]] = m[2];
  }
  return out;
}

export function otlpConfig(): OtlpConfig {
  const attr = (name: string, fallback: string) => {
    const v = process.env[name] || fallback;
    if (!AttributeName.safeParse(v).success) throw new Error(`${name} must be an attribute name (letters, digits, _ . : / -), got '${v}'`);
    return v;
  };
  return {
    attributes: {
      workspace: attr("OTLP_WORKSPACE_ATTRIBUTE", "rollout.workspace"),
      migration: attr("OTLP_MIGRATION_ATTRIBUTE", "rollout.migration"),
      variant: attr("OTLP_VARIANT_ATTRIBUTE", "rollout.variant"),
    },
    names: parseNameMap(process.env.OTLP_METRIC_NAMES),
    deriveOutcomes: process.env.OTLP_DERIVE_OUTCOMES !== "0",
    maxBodyBytes: int("OTLP_MAX_BODY_BYTES", 4 * 1024 * 1024),
    maxDecodedBytes: int("OTLP_MAX_DECODED_BYTES", 16 * 1024 * 1024),
    maxDataPoints: int("OTLP_MAX_DATA_POINTS", 10_000),
    maxSeriesPerToken: int("OTLP_MAX_SERIES_PER_TOKEN", 10_000),
    maxAttributes: 64,
    maxAttributeKeyLength: 256,
    maxAttributeValueLength: 1024,
    maxBuckets: 400,
  };
}
