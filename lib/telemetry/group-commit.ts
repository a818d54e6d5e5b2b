import "server-only";
import { asAnon } from "@/lib/db";
import type { IngestResult } from "./ingest-result";
import type { MetricColumns } from "./validate";

// Group commit for metric batches: at most INGEST_WRITERS (2) writes in flight per
// server process; batches that arrive meanwhile are written together by the next
// one, through
// public.ingest_metric_batches (each batch still checked and stored all-or-nothing
// on its own). Concurrent senders hit the same rollup rows (same workspaces, same
// minute), and one transaction merging them beats several queueing on row locks.
// A lone request is written at once, alone.
const MAX_GROUP_SAMPLES = 25_000;

interface Pending {
  tokenHash: string;
  key: string | null;
  requestHash: string;
  batch: MetricColumns;
  resolve: (r: IngestResult) => void;
  reject: (e: unknown) => void;
}

const queue: Pending[] = [];
let writers = 0;
/** Writes in flight per process (INGEST_WRITERS, default 2): a second one overlaps its raw insert and grouping with the first one's rollup upserts; both lock rollup rows in one global order, so they never deadlock. */
const maxWriters = () => Math.max(1, Number(process.env.INGEST_WRITERS ?? 2));

export function storeMetricBatch(tokenHash: string, key: string | null, requestHash: string, batch: MetricColumns): Promise<IngestResult> {
  return new Promise((resolve, reject) => {
    queue.push({ tokenHash, key, requestHash, batch, resolve, reject });
    if (writers < maxWriters()) void drain();
  });
}

async function drain() {
  writers++;
  try {
    while (queue.length) {
      let samples = 0;
      let n = 0;
      while (n < queue.length && (n === 0 || samples + queue[n].batch.count <= MAX_GROUP_SAMPLES)) samples += queue[n++].batch.count;
      const group = queue.splice(0, n);
      try {
        const results = await write(group);
        group.forEach((p, i) => p.resolve(results[i]));
      } catch (e) {
        group.forEach((p) => p.reject(e));
      }
    }
  } finally {
    writers--;
  }
}

/** Postgres array literal of numbers/booleans (faster than per-element parameters). */
export function pgArray(xs: readonly (number | boolean | null)[]): string {
  let out = "{";
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (i) out += ",";
    out += x === null ? "NULL" : x === true ? "t" : x === false ? "f" : String(x);
  }
  return out + "}";
}

async function write(group: Pending[]): Promise<IngestResult[]> {
  // Shared name lists for the group; each batch's local indexes are mapped onto them.
  const names = { ws: new Map<string, number>(), mig: new Map<string, number>(), metric: new Map<string, number>() };
  const lists = { ws: [] as string[], mig: [] as string[], metric: [] as string[] };
  const global = (kind: "ws" | "mig" | "metric", name: string) => {
    let i = names[kind].get(name);
    if (i === undefined) names[kind].set(name, (i = lists[kind].push(name)));
    return i;
  };
  const cols = { batch: [] as number[], ws: [] as number[], mig: [] as number[], metric: [] as number[], isNew: [] as boolean[], value: [] as number[], time: [] as (number | null)[] };
  const meta = group.map((p, bi) => {
    const b = p.batch;
    const wsMap = b.workspaces.map((s) => global("ws", s));
    const migMap = b.migrations.map((s) => global("mig", s));
    const metricMap = b.metrics.map((s) => global("metric", s));
    for (let i = 0; i < b.count; i++) {
      cols.batch.push(bi + 1);
      cols.ws.push(wsMap[b.ws[i] - 1]);
      cols.mig.push(migMap[b.mig[i] - 1]);
      cols.metric.push(metricMap[b.metric[i] - 1]);
      cols.isNew.push(b.isNew[i]);
      cols.value.push(b.value[i]);
      cols.time.push(b.time[i]);
    }
    return { t: p.tokenHash, k: p.key, h: p.requestHash, n: b.count, w: wsMap, m: migMap, p: b.pairs };
  });
  return asAnon(async (tx) => {
    const [row] = await tx<{ r: IngestResult[] }[]>`
      select public.ingest_metric_batches(${tx.json(meta as never)}, ${lists.ws}::text[], ${lists.mig}::text[], ${lists.metric}::text[],
        ${pgArray(cols.batch)}::int[], ${pgArray(cols.ws)}::int[], ${pgArray(cols.mig)}::int[], ${pgArray(cols.metric)}::int[],
        ${pgArray(cols.isNew)}::boolean[], ${pgArray(cols.value)}::float8[], ${pgArray(cols.time)}::float8[]) as r`;
    return row.r;
  });
}
