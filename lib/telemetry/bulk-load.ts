// Bulk loading of samples for demo seeding and benchmark data: rollups of every
// tier are computed here (with the same histogram math as the SQL, which the
// integration tests hold equal), raw rows are COPYed, rollups COPYed into
// staging tables and upserted in one statement per table (merging histograms
// with rows already there). Orders of magnitude faster than
// row-at-a-time for millions of sparse samples; not used by the live API.
import type postgres from "postgres";
import { bucketIndex, trimmedFromSorted } from "./histogram";

type Sql = postgres.Sql<Record<string, unknown>>;

export const ALL_WORKSPACES = "00000000-0000-0000-0000-000000000000";
const TIERS = [60_000, 600_000, 3_600_000] as const;

interface Group {
  ws: string;
  mig: string;
  metric: string;
  variant: "old" | "new";
  res: number;
  bucket: number;
  n: number;
  sum: number;
  min: number;
  max: number;
  idx: number[];
}

export class BulkLoader {
  private raw: string[] = [];
  private groups = new Map<string, Group>();
  samples = 0;

  /**
   * `_mode` is accepted for callers written against the earlier direct-COPY mode:
   * every flush now stages and upserts, which costs the same and reports conflicts.
   */
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  constructor(private sql: Sql, _mode?: "copy" | "merge") {}

  private ids = new Map<string, number>();

  /** Small integer for a string (keys stay short, so the group map stays fast). */
  private id(x: string): number {
    let i = this.ids.get(x);
    if (i === undefined) this.ids.set(x, (i = this.ids.size));
    return i;
  }

  add(ws: string, mig: string, metric: string, variant: "old" | "new", value: number, timeMs: number) {
    const prefix = `\t${ws}\t${mig}\t${variant}\t${metric}\t`;
    this.raw.push(new Date(timeMs).toISOString() + prefix + value + "\n");
    const idx = bucketIndex(value);
    const series = `${this.id(mig)}|${this.id(metric)}|${variant === "new" ? 1 : 0}`;
    const wsKey = this.id(ws);
    for (const res of TIERS) {
      const bucket = timeMs - (timeMs % res);
      this.count(`${wsKey}|${series}|${res}|${bucket}`, ws, mig, metric, variant, res, bucket, value, idx);
      this.count(`*|${series}|${res}|${bucket}`, ALL_WORKSPACES, mig, metric, variant, res, bucket, value, idx);
    }
    this.samples++;
  }

  private count(key: string, ws: string, mig: string, metric: string, variant: "old" | "new", res: number, bucket: number, value: number, idx: number) {
    const g = this.groups.get(key);
    if (!g) {
      this.groups.set(key, { ws, mig, metric, variant, res: res / 1000, bucket, n: 1, sum: value, min: value, max: value, idx: [idx] });
      return;
    }
    g.n++;
    g.sum += value;
    if (value < g.min) g.min = value;
    if (value > g.max) g.max = value;
    g.idx.push(idx);
  }

  get pending() {
    return this.raw.length;
  }

  /** Writes everything added so far, merging into rollup rows that already exist. */
  async flush() {
    if (!this.raw.length) return;
    const raw = this.raw;
    const groups = [...this.groups.values()];
    this.raw = [];
    this.groups = new Map();
    const minute: string[] = [];
    const coarse: string[] = [];
    for (const g of groups) {
      const hist = `{${trimmedFromSorted(g.idx.sort((a, b) => a - b)).join(",")}}`;
      const stats = `${g.metric}\t${g.variant}\t${new Date(g.bucket).toISOString()}\t${g.n}\t${g.sum}\t${g.min}\t${g.max}\t${hist}\n`;
      if (g.ws !== ALL_WORKSPACES && g.res === 60) minute.push(`${g.ws}\t${g.mig}\t${stats}`);
      else coarse.push(`${g.mig}\t${g.ws}\t${g.res}\t${stats}`);
    }
    const MINUTE_COLS = "workspace_id, migration_id, metric, variant, bucket, n, sum, min, max, hist";
    const COARSE_COLS = "migration_id, workspace_id, resolution, metric, variant, bucket, n, sum, min, max, hist";
    const merge = "n = t.n + excluded.n, sum = t.sum + excluded.sum, min = least(t.min, excluded.min), max = greatest(t.max, excluded.max), hist = app_private.hist_merge(t.hist, excluded.hist)";
    await this.sql.begin(async (tx) => {
      await copy(tx`copy public.performance_metrics (time, workspace_id, migration_id, variant, metric, value) from stdin`, raw);
      await tx`create temp table stage_minute (like public.metric_rollups) on commit drop`;
      await tx`create temp table stage_coarse (like public.metric_rollups_coarse) on commit drop`;
      await copy(tx.unsafe(`copy stage_minute (${MINUTE_COLS}) from stdin`), minute);
      await copy(tx.unsafe(`copy stage_coarse (${COARSE_COLS}) from stdin`), coarse);
      await tx.unsafe(`insert into public.metric_rollups as t (${MINUTE_COLS}) select ${MINUTE_COLS} from stage_minute
        on conflict (workspace_id, migration_id, metric, variant, bucket) do update set ${merge}`);
      await tx.unsafe(`insert into public.metric_rollups_coarse as t (${COARSE_COLS}) select ${COARSE_COLS} from stage_coarse
        on conflict (migration_id, workspace_id, resolution, metric, variant, bucket) do update set ${merge}`);
    });
  }
}

/**
 * COPY lines into a table. Only used for raw rows and staging tables, which have no
 * keys to conflict on: postgres.js resolves a COPY before the server has answered,
 * so a refused COPY would never be reported here.
 */
async function copy(query: postgres.PendingQuery<postgres.Row[]>, lines: string[]) {
  const stream = await query.writable();
  const CHUNK = 2000;
  for (let i = 0; i < lines.length; i += CHUNK) {
    if (!stream.write(lines.slice(i, i + CHUNK).join(""))) await new Promise((r) => stream.once("drain", r));
  }
  await new Promise<void>((resolve, reject) => {
    stream.once("finish", resolve);
    stream.once("error", reject);
    stream.end();
  });
}
