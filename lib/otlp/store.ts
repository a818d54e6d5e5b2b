import "server-only";
import { asAnon } from "@/lib/db";
import { pgArray } from "@/lib/telemetry/group-commit";
import { unknownMigration, unknownWorkspace } from "@/lib/telemetry/ingest";
import type { OtlpConfig } from "./config";
import { step, type SeriesState } from "./cumulative";
import type { Candidate, Extracted, PointData } from "./mapping";
import { toColumns } from "./rows";

type PairProblem = { error: string; workspace?: string; migration?: string } | null;

export type Stored =
  | { error: "invalid_token" | "missing_scope" }
  | { accepted: number; rejected: number; firstProblem: string | null; workspaceIds: string[]; migrationIds: string[] };

/** The targets changed between the two halves of one transaction (a workspace deleted meanwhile): the request may be retried. */
export class TargetsChanged extends Error {}

function pairProblem(p: NonNullable<PairProblem>): string {
  return p.error === "unknown_workspace" || p.error === "workspace_not_allowed" ? unknownWorkspace(p.workspace) : unknownMigration(p.migration);
}

/**
 * Stores a mapped request in one transaction: otlp_prepare judges each target and
 * locks the cumulative series' last points; deltas are computed here; ingest_otlp
 * stores samples, histogram rollups and the new last points together (so a crash
 * between them cannot count a cumulative point twice or lose it).
 */
export function storeOtlp(tokenHash: string, ex: Extracted, cfg: OtlpConfig): Promise<Stored> {
  const ws: string[] = [], mig: string[] = [], pairs: number[] = [];
  const wsIdx = new Map<string, number>(), migIdx = new Map<string, number>(), pairIdx = new Map<string, number>();
  const pairOf = ex.candidates.map((c) => {
    let w = wsIdx.get(c.target.workspace);
    if (w === undefined) wsIdx.set(c.target.workspace, (w = ws.push(c.target.workspace)));
    let m = migIdx.get(c.target.migration);
    if (m === undefined) migIdx.set(c.target.migration, (m = mig.push(c.target.migration)));
    const key = `${w}:${m}`;
    let p = pairIdx.get(key);
    if (p === undefined) {
      pairs.push(w, m);
      pairIdx.set(key, (p = pairs.length / 2 - 1));
    }
    return p;
  });
  const series = [...new Set(ex.candidates.flatMap((c) => (c.series ? [c.series] : [])))];

  return asAnon(async (tx) => {
    const [{ r: prep }] = await tx<{ r: { error?: "invalid_token" | "missing_scope"; pairs: PairProblem[]; states: Record<string, SeriesState>; series_count: number } }[]>`
      select public.otlp_prepare(${tokenHash}, ${ws}::text[], ${mig}::text[], ${pgArray(pairs)}::int[], ${series}::text[]) as r`;
    if (prep.error) return { error: prep.error };

    let rejected = ex.rejected;
    let firstProblem = ex.firstProblem;
    const reject = (c: Candidate, problem: string) => {
      rejected++;
      firstProblem ??= `metric for ${c.target.workspace}/${c.target.migration}: ${problem}`;
    };
    const accepted: { c: Candidate; emit: PointData }[] = [];
    const states = new Map<string, SeriesState>();
    let budget = cfg.maxSeriesPerToken - prep.series_count;
    ex.candidates.forEach((c, i) => {
      const problem = prep.pairs[pairOf[i]];
      if (problem) return reject(c, pairProblem(problem));
      if (!c.series) return void accepted.push({ c, emit: c.data });
      const prev = states.get(c.series) ?? prep.states[c.series];
      if (!prev) {
        if (budget <= 0) return reject(c, `this token already keeps ${cfg.maxSeriesPerToken} cumulative series (OTLP_MAX_SERIES_PER_TOKEN): send delta temporality, fewer attributes, or wait 24 h for idle series to expire`);
        budget--;
      }
      const s = step(c, prev);
      if (s.state) states.set(c.series, s.state);
      if (s.emit) accepted.push({ c, emit: s.emit });
    });

    const cols = toColumns(accepted);
    const keys = [...states.keys()];
    if (!cols.pairs.length && !keys.length) return { accepted: 0, rejected, firstProblem, workspaceIds: [], migrationIds: [] };
    const { samples: s, aggregates: a } = cols;
    const [{ r }] = await tx<{ r: { error?: string; accepted: number; workspace_ids: string[]; migration_ids: string[] } }[]>`
      select public.ingest_otlp(${tokenHash}, ${cols.workspaces}::text[], ${cols.migrations}::text[], ${cols.metrics}::text[], ${pgArray(cols.pairs)}::int[],
        ${pgArray(s.ws)}::int[], ${pgArray(s.mig)}::int[], ${pgArray(s.metric)}::int[], ${pgArray(s.isNew)}::boolean[], ${pgArray(s.value)}::float8[], ${pgArray(s.time)}::float8[],
        ${pgArray(a.ws)}::int[], ${pgArray(a.mig)}::int[], ${pgArray(a.metric)}::int[], ${pgArray(a.isNew)}::boolean[], ${pgArray(a.time)}::float8[],
        ${pgArray(a.n)}::bigint[], ${pgArray(a.sum)}::float8[], ${pgArray(a.min)}::float8[], ${pgArray(a.max)}::float8[], ${a.hist}::text[],
        ${keys}::text[], ${tx.json(keys.map((k) => states.get(k)!) as never)}) as r`;
    if (r.error === "invalid_token" || r.error === "missing_scope") return { error: r.error };
    if (r.error) throw new TargetsChanged(r.error);
    return { accepted: accepted.length, rejected, firstProblem, workspaceIds: r.workspace_ids, migrationIds: r.migration_ids };
  });
}
