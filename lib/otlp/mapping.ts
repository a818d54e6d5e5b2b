// From a decoded OTLP request to the points we store: each data point's target
// (workspace, migration, variant from its attributes or its resource's), our
// metric name and unit factor, its series identity, and its numbers. Pure: no
// database. A point that cannot be mapped is rejected alone, with a message naming
// it; the first message is what the OTLP partial-success answer carries.
import { createHash } from "node:crypto";
import { METRIC_RE, SLUG_RE, KEY_RE, timeProblem } from "@/lib/telemetry/schemas";
import type { OtlpConfig } from "./config";
import { ExponentialPoint, HistogramPoint, NumberPoint, firstIssue, type ExportRequest, type KeyValue, type Metric } from "./schema";
import type { ExpBuckets } from "./buckets";

export interface Target {
  workspace: string;
  migration: string;
  variant: "old" | "new";
}

export type PointData =
  | { kind: "value"; value: number }
  | { kind: "explicit"; count: number; sum?: number; min?: number; max?: number; bounds: number[]; counts: number[] }
  | { kind: "exponential"; count: number; sum?: number; min?: number; max?: number; scale: number; zeroCount: number; zeroThreshold: number; positive: ExpBuckets; negative: ExpBuckets };

export interface Candidate {
  target: Target;
  /** Our metric name. */
  metric: string;
  /** Multiplies values (and bucket bounds) into our unit: latency_ms is in milliseconds. */
  factor: number;
  timeMs: number;
  startNs: string;
  timeNs: string;
  /** Cumulative points: the series identity (sha256 hex) their delta is computed against. */
  series: string | null;
  data: PointData;
  /** Latency histograms: whether the point's requests failed (error.type set or HTTP status ≥ 500); null when not derived. */
  failed: boolean | null;
}

export interface Extracted {
  candidates: Candidate[];
  /** Data points in the request. */
  total: number;
  rejected: number;
  firstProblem: string | null;
}

/** Milliseconds per unit for latency_ms (UCUM time units as the semantic conventions use them). */
const TIME_UNITS: Record<string, number> = { "": 1, ms: 1, s: 1000, us: 0.001, "µs": 0.001, ns: 1e-6, min: 60_000 };
const DELTA = 1;
const CUMULATIVE = 2;
const NO_RECORDED_VALUE = 1;
/** Largest count one histogram point may carry (the rollup histograms count in 32-bit integers). */
export const MAX_POINT_COUNT = 100_000_000;

/** Number of data points in a request (checked against the limit before any work). */
export function countPoints(req: ExportRequest): number {
  let n = 0;
  for (const rm of req.resourceMetrics ?? [])
    for (const sm of rm.scopeMetrics ?? [])
      for (const m of sm.metrics ?? []) {
        const d = m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary;
        n += d?.dataPoints?.length ?? 0;
      }
  return n;
}

/** Our name for an OTel metric, or null when it cannot be one (see the README). */
export function metricName(name: string, cfg: Pick<OtlpConfig, "names">): string | null {
  const mapped = cfg.names[name];
  if (mapped) return mapped;
  const ours = name.replaceAll("/", "_");
  return METRIC_RE.test(ours) ? ours : null;
}

type Plain = string | number | boolean | null | Plain[] | { [k: string]: Plain };

class AttributeProblem extends Error {}

/** An AnyValue as a plain value, within the configured sizes. */
function plain(v: unknown, cfg: OtlpConfig, depth: number): Plain {
  if (v === undefined || v === null || typeof v !== "object") return null;
  const a = v as Record<string, unknown>;
  if (typeof a.stringValue === "string" || typeof a.bytesValue === "string") {
    const s = (a.stringValue ?? a.bytesValue) as string;
    if (s.length > cfg.maxAttributeValueLength) throw new AttributeProblem(`an attribute value is longer than ${cfg.maxAttributeValueLength} characters`);
    return s;
  }
  if (typeof a.boolValue === "boolean") return a.boolValue;
  if (a.intValue !== undefined) return Number(a.intValue);
  if (typeof a.doubleValue === "number") return a.doubleValue;
  if (depth >= 3) throw new AttributeProblem("an attribute value is nested more than 3 levels deep");
  const list = (a.arrayValue as { values?: unknown[] } | undefined)?.values ?? (a.kvlistValue as { values?: unknown[] } | undefined)?.values;
  if (Array.isArray(list)) {
    if (list.length > cfg.maxAttributes) throw new AttributeProblem(`an attribute value holds more than ${cfg.maxAttributes} elements`);
    if (a.arrayValue) return list.map((x) => plain(x, cfg, depth + 1));
    return Object.fromEntries(attributes(list as KeyValue[], cfg, depth + 1));
  }
  return null;
}

/** Attributes as sorted [key, value] pairs (the canonical form of a series identity). */
function attributes(kvs: readonly KeyValue[] | undefined, cfg: OtlpConfig, depth = 0): [string, Plain][] {
  if (!kvs) return [];
  if (kvs.length > cfg.maxAttributes) throw new AttributeProblem(`more than ${cfg.maxAttributes} attributes`);
  const out: [string, Plain][] = [];
  for (const kv of kvs) {
    if (typeof kv?.key !== "string" || kv.key.length > cfg.maxAttributeKeyLength) throw new AttributeProblem(`an attribute name is longer than ${cfg.maxAttributeKeyLength} characters`);
    out.push([kv.key, plain(kv.value, cfg, depth)]);
  }
  return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

const lookup = (attrs: [string, Plain][], key: string) => attrs.find((a) => a[0] === key)?.[1];

function target(point: [string, Plain][], resource: [string, Plain][], cfg: OtlpConfig): Target | string {
  const pick = (key: string) => lookup(point, key) ?? lookup(resource, key);
  const ws = pick(cfg.attributes.workspace);
  const mig = pick(cfg.attributes.migration);
  const variant = pick(cfg.attributes.variant);
  if (ws === undefined || ws === null) return `no '${cfg.attributes.workspace}' attribute (on the data point or its resource)`;
  if (typeof ws !== "string" || !SLUG_RE.test(ws)) return `'${cfg.attributes.workspace}' is not a workspace slug`;
  if (mig === undefined || mig === null) return `no '${cfg.attributes.migration}' attribute (on the data point or its resource)`;
  if (typeof mig !== "string" || !KEY_RE.test(mig)) return `'${cfg.attributes.migration}' is not a migration key`;
  if (variant !== "old" && variant !== "new") return `'${cfg.attributes.variant}' must be "old" or "new"`;
  return { workspace: ws, migration: mig, variant };
}

/** Whether a latency point's requests failed, from the HTTP semantic conventions' attributes. */
function failed(attrs: [string, Plain][]): boolean {
  const err = lookup(attrs, "error.type");
  if (err !== undefined && err !== null && err !== "") return true;
  const status = Number(lookup(attrs, "http.response.status_code") ?? lookup(attrs, "http.status_code") ?? NaN);
  return status >= 500;
}

const nsToMs = (ns: string) => Number(BigInt(ns) / 1_000_000n);

/** Checks one histogram point's buckets; returns its data or why it is rejected. */
function explicitData(p: HistogramPoint, cfg: OtlpConfig): PointData | string {
  const bounds = p.explicitBounds ?? [];
  const counts = p.bucketCounts ?? [];
  const count = p.count ?? 0;
  if (counts.length === 0) return "a histogram without buckets: percentiles cannot be kept";
  if (counts.length !== bounds.length + 1) return `bucketCounts has ${counts.length} entries, expected explicitBounds + 1 = ${bounds.length + 1}`;
  if (counts.length > cfg.maxBuckets) return `more than ${cfg.maxBuckets} buckets`;
  for (let i = 0; i < bounds.length; i++) if (!Number.isFinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) return "explicitBounds must be finite and strictly increasing";
  if (counts.reduce((a, b) => a + b, 0) !== count) return "bucketCounts do not add up to count";
  return { kind: "explicit", count, sum: p.sum, min: p.min, max: p.max, bounds, counts };
}

function exponentialData(p: ExponentialPoint, cfg: OtlpConfig): PointData | string {
  const positive = { offset: p.positive?.offset ?? 0, counts: p.positive?.bucketCounts ?? [] };
  const negative = { offset: p.negative?.offset ?? 0, counts: p.negative?.bucketCounts ?? [] };
  const count = p.count ?? 0;
  const zeroCount = p.zeroCount ?? 0;
  if (positive.counts.length + negative.counts.length > cfg.maxBuckets) return `more than ${cfg.maxBuckets} buckets`;
  const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
  if (zeroCount + sum(positive.counts) + sum(negative.counts) !== count) return "zeroCount and the bucket counts do not add up to count";
  return { kind: "exponential", count, sum: p.sum, min: p.min, max: p.max, scale: p.scale ?? 0, zeroCount, zeroThreshold: p.zeroThreshold ?? 0, positive, negative };
}

function seriesKey(parts: unknown[]): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex");
}

/**
 * Maps every data point of the request. Summaries are rejected (their quantiles
 * cannot be merged); points flagged "no recorded value" and empty histograms are
 * skipped (nothing to store, not an error).
 */
export function extract(req: ExportRequest, cfg: OtlpConfig, now = Date.now()): Extracted {
  const out: Extracted = { candidates: [], total: 0, rejected: 0, firstProblem: null };
  const reject = (where: string, problem: string, n = 1) => {
    out.rejected += n;
    out.firstProblem ??= `${where}: ${problem}`;
  };
  for (const rm of req.resourceMetrics ?? []) {
    let resource: [string, Plain][] = [];
    let resourceProblem: string | null = null;
    try {
      resource = attributes(rm.resource?.attributes, cfg);
    } catch (e) {
      if (!(e instanceof AttributeProblem)) throw e;
      resourceProblem = `resource: ${e.message}`;
    }
    for (const sm of rm.scopeMetrics ?? []) {
      const scope = [sm.scope?.name ?? "", sm.scope?.version ?? ""];
      for (const m of sm.metrics ?? []) {
        const points = (m.gauge ?? m.sum ?? m.histogram ?? m.exponentialHistogram ?? m.summary)?.dataPoints ?? [];
        out.total += points.length;
        const where = `metric '${m.name.slice(0, 255)}'`;
        if (!points.length) continue;
        if (resourceProblem) {
          reject(where, resourceProblem, points.length);
          continue;
        }
        const problem = metricProblem(m);
        if (problem) {
          reject(where, problem, points.length);
          continue;
        }
        const ours = metricName(m.name, cfg);
        if (!ours) {
          reject(where, "the name does not fit our metric names (a letter, then letters, digits, _ . : -, at most 64); map it with OTLP_METRIC_NAMES", points.length);
          continue;
        }
        const unit = m.unit ?? "";
        const factor = ours === "latency_ms" ? TIME_UNITS[unit] : 1;
        if (factor === undefined) {
          reject(where, `unit '${unit}' is not a time unit (s, ms, us, ns) and latency_ms is in milliseconds`, points.length);
          continue;
        }
        const temporality = m.sum?.aggregationTemporality ?? m.histogram?.aggregationTemporality ?? m.exponentialHistogram?.aggregationTemporality;
        // Cumulative monotonic sums and cumulative histograms are turned into deltas;
        // a cumulative non-monotonic sum (an up-down counter) is a level, stored as it is.
        const cumulative = temporality === CUMULATIVE && (m.sum ? m.sum.isMonotonic === true : !m.gauge);
        points.forEach((raw, i) => {
          const at = `${where} point ${i}`;
          const parsed = m.histogram ? HistogramPoint.safeParse(raw) : m.exponentialHistogram ? ExponentialPoint.safeParse(raw) : NumberPoint.safeParse(raw);
          if (!parsed.success) return reject(at, firstIssue(parsed.error));
          const p = parsed.data;
          if ((p.flags ?? 0) & NO_RECORDED_VALUE) return;
          let attrs: [string, Plain][];
          try {
            attrs = attributes(p.attributes, cfg);
          } catch (e) {
            if (!(e instanceof AttributeProblem)) throw e;
            return reject(at, e.message);
          }
          const t = target(attrs, resource, cfg);
          if (typeof t === "string") return reject(at, t);
          if (!p.timeUnixNano || p.timeUnixNano === "0") return reject(at, "timeUnixNano is required");
          const timeMs = nsToMs(p.timeUnixNano);
          const late = timeProblem(timeMs, now);
          if (late) return reject(at, `timeUnixNano ${late}`);
          let data: PointData | string;
          if (m.histogram) data = explicitData(p as HistogramPoint, cfg);
          else if (m.exponentialHistogram) data = exponentialData(p as ExponentialPoint, cfg);
          else {
            const n = p as NumberPoint;
            const value = n.asDouble ?? n.asInt;
            data = value === undefined || !Number.isFinite(value) ? "expected a finite asDouble or asInt" : { kind: "value", value };
          }
          if (typeof data === "string") return reject(at, data);
          if (data.kind !== "value" && data.count > MAX_POINT_COUNT) return reject(at, `count is over ${MAX_POINT_COUNT}`);
          if (data.kind !== "value" && data.count === 0 && !cumulative) return;
          out.candidates.push({
            target: t,
            metric: ours,
            factor,
            timeMs,
            startNs: p.startTimeUnixNano ?? "0",
            timeNs: p.timeUnixNano,
            series: cumulative ? seriesKey([m.name, unit, data.kind, resource, scope, attrs]) : null,
            data,
            failed: cfg.deriveOutcomes && ours === "latency_ms" && data.kind !== "value" ? failed(attrs) : null,
          });
        });
      }
    }
  }
  return out;
}

function metricProblem(m: Metric): string | null {
  if (m.summary) return "summaries are not supported (their quantiles cannot be merged): export a histogram";
  const t = m.sum?.aggregationTemporality ?? m.histogram?.aggregationTemporality ?? m.exponentialHistogram?.aggregationTemporality;
  if (!m.gauge && t !== DELTA && t !== CUMULATIVE) return "aggregationTemporality must be DELTA (1) or CUMULATIVE (2)";
  return null;
}
