// The OTLP/JSON shape of an ExportMetricsServiceRequest (camelCase names, 64-bit
// integers as decimal strings or numbers, enums as integers); protobuf requests are
// decoded into the same shape (proto.ts). The envelope (resources, scopes,
// metrics) must be right or the request is refused with 400; each data point is
// checked on its own, and a bad one is rejected alone (partial success).
// Unknown fields are ignored, as the OTLP specification asks of receivers.
import { z } from "zod";

const U64 = z.union([z.string().regex(/^\d{1,20}$/, "expected an unsigned 64-bit integer"), z.number().int().min(0)]).transform((v) => String(v));
const I64 = z.union([z.string().regex(/^-?\d{1,19}$/, "expected a 64-bit integer"), z.number().int()]).transform((v) => Number(v));
const Count = U64.transform((v) => Number(v)).refine(Number.isSafeInteger, "is larger than 2^53");
const Temporality = z.union([z.number().int(), z.enum(["AGGREGATION_TEMPORALITY_UNSPECIFIED", "AGGREGATION_TEMPORALITY_DELTA", "AGGREGATION_TEMPORALITY_CUMULATIVE"])])
  .transform((v) => (typeof v === "number" ? v : v.endsWith("DELTA") ? 1 : v.endsWith("CUMULATIVE") ? 2 : 0));

export const KeyValue = z.object({ key: z.string(), value: z.unknown().optional() });
export type KeyValue = z.infer<typeof KeyValue>;
const Attributes = z.array(KeyValue).optional();
const Points = z.array(z.unknown()).optional();

const Metric = z.object({
  name: z.string(),
  unit: z.string().optional(),
  gauge: z.object({ dataPoints: Points }).optional(),
  sum: z.object({ dataPoints: Points, aggregationTemporality: Temporality.optional(), isMonotonic: z.boolean().optional() }).optional(),
  histogram: z.object({ dataPoints: Points, aggregationTemporality: Temporality.optional() }).optional(),
  exponentialHistogram: z.object({ dataPoints: Points, aggregationTemporality: Temporality.optional() }).optional(),
  summary: z.object({ dataPoints: Points }).optional(),
});
export type Metric = z.infer<typeof Metric>;

export const ExportRequest = z.object({
  resourceMetrics: z
    .array(
      z.object({
        resource: z.object({ attributes: Attributes }).optional(),
        scopeMetrics: z
          .array(
            z.object({
              scope: z.object({ name: z.string().optional(), version: z.string().optional() }).optional(),
              metrics: z.array(Metric).optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});
export type ExportRequest = z.infer<typeof ExportRequest>;

const PointBase = {
  attributes: Attributes,
  startTimeUnixNano: U64.optional(),
  timeUnixNano: U64.optional(),
  flags: z.number().int().optional(),
};

export const NumberPoint = z.object({ ...PointBase, asDouble: z.number().optional(), asInt: I64.optional() });
export type NumberPoint = z.infer<typeof NumberPoint>;

export const HistogramPoint = z.object({
  ...PointBase,
  count: Count.optional(),
  sum: z.number().optional(),
  bucketCounts: z.array(Count).optional(),
  explicitBounds: z.array(z.number()).optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
export type HistogramPoint = z.infer<typeof HistogramPoint>;

const Buckets = z.object({ offset: z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1).optional(), bucketCounts: z.array(Count).optional() });
export const ExponentialPoint = z.object({
  ...PointBase,
  count: Count.optional(),
  sum: z.number().optional(),
  scale: z.number().int().min(-10).max(20).optional(),
  zeroCount: Count.optional(),
  positive: Buckets.optional(),
  negative: Buckets.optional(),
  min: z.number().optional(),
  max: z.number().optional(),
  zeroThreshold: z.number().optional(),
});
export type ExponentialPoint = z.infer<typeof ExponentialPoint>;

/** "field: message" of the first issue, for error messages. */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue?.path.map(String).join(".");
  return `${path ? path + ": " : ""}${issue?.message ?? "is invalid"}`;
}
