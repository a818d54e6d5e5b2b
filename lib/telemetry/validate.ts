// Turns a parsed JSON body into the column arrays the ingest functions take, or
// names the first bad item by index and field. Metric batches are checked by a
// hand-written pass (agreeing with schemas.ts, see validate.test.ts) because
// they are large; zod is asked only to explain a failing item.
import type { z } from "zod";
import {
  FeedbackItem, IsoTime, KEY_RE, MAX_FEEDBACK_ITEMS, MAX_METRIC_ITEMS, METRIC_RE, MetricSample, SLUG_RE, timeMs, timeProblem,
} from "./schemas";

export interface BatchProblem {
  status: 400 | 413 | 422;
  message: string;
  index?: number;
  field?: string;
}

/** Workspaces and migrations of a batch, each listed once, with where each was first used. */
export interface Targets {
  workspaces: string[];
  migrations: string[];
  /** Flattened 1-based (workspace, migration) index pairs used by the batch. */
  pairs: number[];
  firstWorkspace: Map<string, number>;
  firstMigration: Map<string, number>;
  firstPair: Map<string, number>;
}

export interface MetricColumns extends Targets {
  count: number;
  metrics: string[];
  ws: number[];
  mig: number[];
  metric: number[];
  isNew: boolean[];
  value: number[];
  /** Epoch seconds; null = time of receipt. */
  time: (number | null)[];
}

export interface FeedbackRow {
  w: number;
  m: number;
  t: number | null;
  kind: string;
  rating: number | null;
  message: string | null;
  source: string;
  reporter: string | null;
  context: Record<string, unknown> | null;
  variant: string | null;
}

export interface FeedbackColumns extends Targets {
  count: number;
  items: FeedbackRow[];
}

type Result<T> = { ok: true; batch: T } | { ok: false; problem: BatchProblem };

function itemsOf(json: unknown, key: string, max: number, noun: string): unknown[] | BatchProblem {
  const items = Array.isArray(json) ? json : json && typeof json === "object" ? (json as Record<string, unknown>)[key] : undefined;
  if (!Array.isArray(items)) return { status: 422, message: `Expected a JSON array of ${noun}, or an object {"${key}": [...]}` };
  if (items.length === 0) return { status: 422, message: `The batch is empty: send 1 to ${max} ${noun}` };
  if (items.length > max) return { status: 413, message: `Too many ${noun}: ${items.length} in one batch, at most ${max}; split it` };
  return items;
}

function explain(schema: z.ZodType, item: unknown, index: number, key: string): BatchProblem {
  const r = schema.safeParse(item);
  const issue = r.success ? undefined : r.error.issues[0];
  const field = issue?.path.map(String).join(".") || undefined;
  const where = `${key}[${index}]${field ? "." + field : ""}`;
  return { status: 422, message: `${where}: ${issue?.message ?? "is invalid"}`, index, field };
}

class TargetIndex implements Targets {
  workspaces: string[] = [];
  migrations: string[] = [];
  pairs: number[] = [];
  firstWorkspace = new Map<string, number>();
  firstMigration = new Map<string, number>();
  firstPair = new Map<string, number>();
  private wsIndex = new Map<string, number>();
  private migIndex = new Map<string, number>();

  /** 1-based indexes of the item's workspace and migration, registering new ones. */
  add(workspace: string, migration: string, item: number): [number, number] {
    let w = this.wsIndex.get(workspace);
    if (w === undefined) {
      w = this.workspaces.push(workspace);
      this.wsIndex.set(workspace, w);
      this.firstWorkspace.set(workspace, item);
    }
    let m = this.migIndex.get(migration);
    if (m === undefined) {
      m = this.migrations.push(migration);
      this.migIndex.set(migration, m);
      this.firstMigration.set(migration, item);
    }
    const pair = `${workspace}\u0000${migration}`;
    if (!this.firstPair.has(pair)) {
      this.firstPair.set(pair, item);
      this.pairs.push(w, m);
    }
    return [w, m];
  }
}

function timeOk(t: unknown, now: number): boolean {
  if (t === undefined) return true;
  if (typeof t === "number") return Number.isSafeInteger(t) && timeProblem(t, now) === null;
  if (typeof t === "string") return IsoTime.safeParse(t).success && timeProblem(Date.parse(t), now) === null;
  return false;
}

/** The hand-written twin of MetricSample: true iff zod would accept the item. */
export function isValidSample(x: unknown, now: number): boolean {
  if (typeof x !== "object" || x === null || Array.isArray(x)) return false;
  const s = x as Record<string, unknown>;
  return (
    typeof s.workspace === "string" && SLUG_RE.test(s.workspace) &&
    typeof s.migration === "string" && KEY_RE.test(s.migration) &&
    (s.variant === "old" || s.variant === "new") &&
    typeof s.metric === "string" && METRIC_RE.test(s.metric) &&
    typeof s.value === "number" && Number.isFinite(s.value) &&
    timeOk(s.time, now)
  );
}

export function parseMetricBatch(json: unknown, now = Date.now()): Result<MetricColumns> {
  const items = itemsOf(json, "samples", MAX_METRIC_ITEMS, "samples");
  if (!Array.isArray(items)) return { ok: false, problem: items };
  const targets = new TargetIndex();
  const metricIndex = new Map<string, number>();
  const metrics: string[] = [];
  const n = items.length;
  const ws = new Array<number>(n), mig = new Array<number>(n), metric = new Array<number>(n);
  const isNew = new Array<boolean>(n), value = new Array<number>(n), time = new Array<number | null>(n);
  for (let i = 0; i < n; i++) {
    const x = items[i];
    if (!isValidSample(x, now)) return { ok: false, problem: explain(MetricSample, x, i, "samples") };
    const s = x as MetricSample;
    [ws[i], mig[i]] = targets.add(s.workspace, s.migration, i);
    let k = metricIndex.get(s.metric);
    if (k === undefined) {
      k = metrics.push(s.metric);
      metricIndex.set(s.metric, k);
    }
    metric[i] = k;
    isNew[i] = s.variant === "new";
    value[i] = s.value;
    const ms = timeMs(s.time);
    time[i] = ms === null ? null : ms / 1000;
  }
  return { ok: true, batch: { ...targetsOf(targets), count: n, metrics, ws, mig, metric, isNew, value, time } };
}

export function parseFeedbackBatch(json: unknown): Result<FeedbackColumns> {
  const items = itemsOf(json, "items", MAX_FEEDBACK_ITEMS, "feedback items");
  if (!Array.isArray(items)) return { ok: false, problem: items };
  const targets = new TargetIndex();
  const rows: FeedbackRow[] = [];
  for (let i = 0; i < items.length; i++) {
    const r = FeedbackItem.safeParse(items[i]);
    if (!r.success) return { ok: false, problem: explain(FeedbackItem, items[i], i, "items") };
    const f = r.data;
    const [w, m] = targets.add(f.workspace, f.migration, i);
    const ms = timeMs(f.time);
    rows.push({
      w, m, t: ms === null ? null : ms / 1000, kind: f.kind, rating: f.rating ?? null, message: f.message ?? null,
      source: f.source, reporter: f.reporter ?? null, context: f.context ?? null, variant: f.variant ?? null,
    });
  }
  return { ok: true, batch: { ...targetsOf(targets), count: rows.length, items: rows } };
}

function targetsOf(t: TargetIndex): Targets {
  return { workspaces: t.workspaces, migrations: t.migrations, pairs: t.pairs, firstWorkspace: t.firstWorkspace, firstMigration: t.firstMigration, firstPair: t.firstPair };
}
