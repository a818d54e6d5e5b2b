// What the accepted points become: single values (gauges, sums) as samples, like
// the JSON API's, and histograms as pre-aggregated rollup rows (n, sum, min, max,
// log-scale histogram), plus `error` and `success` rows derived from latency
// histograms. Columns are shaped for public.ingest_otlp. Pure: no database.
import { bucketIndex, LENGTH, trim } from "@/lib/telemetry/histogram";
import { exponentialBuckets, explicitBuckets, toRollupHistogram, type Bounded } from "./buckets";
import type { Candidate, PointData } from "./mapping";

export interface Columns {
  workspaces: string[];
  migrations: string[];
  metrics: string[];
  /** Flattened 1-based (workspace, migration) pairs used. */
  pairs: number[];
  samples: { ws: number[]; mig: number[]; metric: number[]; isNew: boolean[]; value: number[]; time: number[] };
  aggregates: { ws: number[]; mig: number[]; metric: number[]; isNew: boolean[]; time: number[]; n: number[]; sum: number[]; min: number[]; max: number[]; hist: string[] };
}

class Index {
  list: string[] = [];
  private map = new Map<string, number>();
  of(x: string): number {
    let i = this.map.get(x);
    if (i === undefined) this.map.set(x, (i = this.list.push(x)));
    return i;
  }
}

/** The re-bucketed form of a histogram point, in our unit. */
export function bounded(d: Exclude<PointData, { kind: "value" }>, factor: number): Bounded {
  const b = d.kind === "explicit"
    ? explicitBuckets(d.bounds.map((x) => x * factor), d.counts, scaled(d.min, factor), scaled(d.max, factor))
    : exponentialBuckets(d.scale, d.zeroCount, d.zeroThreshold * factor, d.positive, d.negative, scaled(d.min, factor), scaled(d.max, factor), factor);
  return d.sum !== undefined && Number.isFinite(d.sum) ? { ...b, sum: d.sum * factor } : b;
}

const scaled = (x: number | undefined, factor: number) => (x === undefined ? undefined : x * factor);

/** Every value of a derived outcome row sits at 0 or 1. */
function constant(n: number, v: 0 | 1): string {
  const cum = new Array<number>(LENGTH).fill(0);
  for (let k = bucketIndex(v); k < LENGTH; k++) cum[k] = n;
  return `{${trim(cum).join(",")}}`;
}

export function toColumns(points: { c: Candidate; emit: PointData }[]): Columns {
  const ws = new Index(), mig = new Index(), metric = new Index(), pair = new Index();
  const pairs: number[] = [];
  const s: Columns["samples"] = { ws: [], mig: [], metric: [], isNew: [], value: [], time: [] };
  const a: Columns["aggregates"] = { ws: [], mig: [], metric: [], isNew: [], time: [], n: [], sum: [], min: [], max: [], hist: [] };
  const aggregate = (w: number, m: number, name: string, isNew: boolean, time: number, n: number, sum: number, min: number, max: number, hist: string) => {
    a.ws.push(w);
    a.mig.push(m);
    a.metric.push(metric.of(name));
    a.isNew.push(isNew);
    a.time.push(time);
    a.n.push(n);
    a.sum.push(sum);
    a.min.push(min);
    a.max.push(max);
    a.hist.push(hist);
  };
  for (const { c, emit } of points) {
    const w = ws.of(c.target.workspace);
    const m = mig.of(c.target.migration);
    const before = pair.list.length;
    pair.of(`${w}:${m}`);
    if (pair.list.length > before) pairs.push(w, m);
    const isNew = c.target.variant === "new";
    const time = c.timeMs / 1000;
    if (emit.kind === "value") {
      s.ws.push(w);
      s.mig.push(m);
      s.metric.push(metric.of(c.metric));
      s.isNew.push(isNew);
      s.value.push(emit.value * c.factor);
      s.time.push(time);
      continue;
    }
    if (emit.count <= 0) continue;
    const b = bounded(emit, c.factor);
    const hist = toRollupHistogram(b.buckets, emit.kind === "exponential");
    aggregate(w, m, c.metric, isNew, time, emit.count, b.sum, b.min, b.max, `{${hist.join(",")}}`);
    if (c.failed !== null) {
      const bad = c.failed ? emit.count : 0;
      aggregate(w, m, "error", isNew, time, emit.count, bad, c.failed ? 1 : 0, c.failed ? 1 : 0, constant(emit.count, c.failed ? 1 : 0));
      aggregate(w, m, "success", isNew, time, emit.count, emit.count - bad, c.failed ? 0 : 1, c.failed ? 0 : 1, constant(emit.count, c.failed ? 0 : 1));
    }
  }
  return { workspaces: ws.list, migrations: mig.list, metrics: metric.list, pairs, samples: s, aggregates: a };
}
