// Demo telemetry: 30 days of old-vs-new samples for every enrolled workspace,
// following each workspace's stage history (no "new" traffic before stage 1,
// more of it as the stage rises), denser in the last two hours so the 1-hour
// chart is alive, and one regression episode on a canary right after an advance
// (new-variant latency and errors jump, complaints pour in). Older history comes
// in bursts (one every 6 h beyond two days, hourly within them) to keep the
// seed fast and small; charts over those ranges read hourly rows anyway. Loaded
// with the bulk loader (COPY), whose rollups equal what the ingest path builds.
import type postgres from "postgres";
import { BulkLoader } from "../telemetry/bulk-load";
import { rng } from "./random";

type Sql = postgres.Sql<Record<string, unknown>>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Pair {
  wsId: string;
  slug: string;
  canary: boolean;
  tier: string;
  migId: string;
  migKey: string;
  lastStage: number;
  history: { at: number; to: number; kind: string }[];
}

/** Per-migration behaviour: median latency (ms) and error rate of each variant. */
const PROFILE: Record<string, { old: [number, number]; new: [number, number]; quality?: [number, number] }> = {
  "lead-centric": { old: [180, 0.006], new: [165, 0.004] },
  "ai-pipeline": { old: [850, 0.012], new: [720, 0.008], quality: [0.81, 0.86] },
};
const PER_HOUR: Record<string, number> = { enterprise: 1.2, pro: 1, standard: 0.8, free: 0.5 };

const COMPLAINTS = [
  "The lead list takes forever to load since this morning",
  "Saving a lead spins and then shows an error",
  "Reports are empty after the update",
  "Search results look different and miss some contacts",
];
const COMMENTS = ["Looks cleaner than before", "Nice, the new view is faster", "Can we get the old column order back?", "Works fine for us"];

export async function seedTelemetry(sql: Sql, opts: { now?: Date } = {}): Promise<{ samples: number; feedback: number }> {
  const now = (opts.now ?? new Date()).getTime();
  const r = rng(4242);
  const rows = await sql<{ ws_id: string; slug: string; is_canary: boolean; tier: string; mig_id: string; mig_key: string; last_stage: number; history: { at: string; to: number; kind: string }[] }[]>`
    select w.id as ws_id, w.slug, w.is_canary, w.tier, m.id as mig_id, m.key as mig_key,
           (select max(position) from public.migration_stages s where s.migration_id = m.id) as last_stage,
           coalesce((select json_agg(json_build_object('at', t.created_at, 'to', t.to_stage, 'kind', t.kind) order by t.created_at, t.id)
                     from public.stage_transitions t where t.workspace_id = w.id and t.migration_id = m.id), '[]') as history
    from public.workspace_rollouts ro
    join public.workspaces w on w.id = ro.workspace_id
    join public.migrations m on m.id = ro.migration_id
    order by w.slug, m.key`;
  const pairs: Pair[] = rows.map((x) => ({
    wsId: x.ws_id, slug: x.slug, canary: x.is_canary, tier: x.tier, migId: x.mig_id, migKey: x.mig_key, lastStage: x.last_stage,
    history: x.history.map((h) => ({ at: new Date(h.at).getTime(), to: h.to, kind: h.kind })),
  }));

  // The regression episode: the first canary's last advance to stage ≥ 2 of lead-centric.
  const isAdvance = (h: { to: number; kind: string }) => h.kind === "advance" && h.to >= 2;
  const victim = pairs.find((p) => p.canary && p.migKey === "lead-centric" && p.history.some(isAdvance));
  const lastAdvance = victim ? victim.history.filter(isAdvance).at(-1)!.at : 0;
  const inEpisode = (p: Pair, t: number) => p === victim && t >= lastAdvance && t < lastAdvance + 3 * HOUR;

  const feedback: unknown[] = [];
  const loader = new BulkLoader(sql);
  {
    for (const p of pairs) {
      const profile = PROFILE[p.migKey] ?? PROFILE["lead-centric"];
      const stageAt = (t: number) => {
        let s = 0;
        for (const h of p.history) if (h.at <= t) s = h.to;
        return s;
      };
      const request = (t: number) => {
        const stage = stageAt(t);
        const shareNew = stage === 0 ? 0 : stage >= p.lastStage ? 1 : Math.max(0.1, stage / p.lastStage);
        const isNew = r.next() < shareNew;
        const variant = isNew ? "new" : "old";
        const episode = isNew && inEpisode(p, t);
        const [median, errRate] = isNew ? profile.new : profile.old;
        const diurnal = 1 + 0.25 * Math.sin(((t / HOUR) % 24) / 24 * 2 * Math.PI);
        const latency = median * diurnal * (episode ? 3.2 : 1) * Math.exp(0.35 * r.normal());
        const error = r.next() < (episode ? 0.07 : errRate) ? 1 : 0;
        loader.add(p.wsId, p.migId, "latency_ms", variant, Math.round(latency * 10) / 10, t);
        loader.add(p.wsId, p.migId, "error", variant, error, t);
        loader.add(p.wsId, p.migId, "success", variant, error ? 0 : r.next() < 0.02 ? 0 : 1, t);
        if (profile.quality) {
          const q = (isNew ? profile.quality[1] : profile.quality[0]) + 0.07 * r.normal();
          loader.add(p.wsId, p.migId, "quality", variant, Math.round(Math.min(1, Math.max(0, q)) * 1000) / 1000, t);
        }
      };
      const perHour = (PER_HOUR[p.tier] ?? 3) * (p.canary ? 2 : 1);
      // A burst per window, all in one minute of it; the episode's hours get dense traffic.
      for (let w = now - 30 * DAY; w < now - HOUR; ) {
        const span = w < now - 2 * DAY ? 6 * HOUR : HOUR;
        const dense = p === victim && w + span > lastAdvance - HOUR && w < lastAdvance + 4 * HOUR;
        if (dense) {
          for (let m = 0; m < span; m += 10 * 60_000) for (let i = 0; i < 12; i++) request(w + m + Math.floor(r.next() * 60_000));
        } else {
          const minute = w + Math.floor(r.next() * (span / 60_000)) * 60_000;
          for (let i = 0; i < Math.round(perHour * (span / HOUR)); i++) request(minute + Math.floor(r.next() * 60_000));
        }
        w += span;
      }
      // The last hour: a request a minute, so the 1-hour chart looks live.
      for (let t = now - HOUR; t < now - 60_000; t += 60_000) {
        request(t + Math.floor(r.next() * 60_000));
      }

      // Feedback: a few items a day, mostly happy; a burst of complaints in the episode.
      for (let d = now - 30 * DAY; d < now; d += DAY / 3) {
        if (r.next() < 0.5) continue;
        const t = d + Math.floor(r.next() * (DAY / 3));
        const stage = stageAt(t);
        const variant = stage > 0 && r.next() < 0.5 ? "new" : "old";
        const roll = r.next();
        const kind = roll < 0.65 ? "rating" : roll < 0.85 ? "comment" : roll < 0.95 ? "complaint" : "bug";
        feedback.push({
          time: new Date(t), workspace_id: p.wsId, migration_id: p.migId, stage, kind,
          rating: kind === "rating" ? (r.next() < 0.75 ? r.int(4, 5) : r.int(2, 3)) : null,
          message: kind === "rating" ? null : kind === "comment" ? r.pick(COMMENTS) : r.pick(COMPLAINTS),
          source: r.pick(["in-app widget", "support desk", "nps survey"]), reporter: kind === "rating" ? null : `user${r.int(1, 400)}@${p.slug}.example`,
          context: { page: r.pick(["/leads", "/contacts", "/reports", "/search"]), app_version: `4.${r.int(10, 14)}.${r.int(0, 9)}` }, variant,
        });
      }
      if (p === victim) {
        for (let i = 0; i < 16; i++) {
          const t = lastAdvance + 10 * 60_000 + Math.floor(r.next() * 2.5 * HOUR);
          const kind = i % 3 === 0 ? "bug" : i % 3 === 1 ? "complaint" : "rating";
          feedback.push({
            time: new Date(t), workspace_id: p.wsId, migration_id: p.migId, stage: stageAt(t), kind,
            rating: kind === "rating" ? r.int(1, 2) : null, message: kind === "rating" ? "Very slow today" : r.pick(COMPLAINTS.slice(0, 2)),
            source: "in-app widget", reporter: `user${r.int(1, 400)}@${p.slug}.example`,
            context: { page: "/leads", request_id: `req_${r.int(100000, 999999)}`, app_version: "4.14.0" }, variant: "new",
          });
        }
      }
    }
  }
  await loader.flush();
  for (let i = 0; i < feedback.length; i += 1000) {
    const chunk = feedback.slice(i, i + 1000);
    await sql`insert into public.feedback_tracking (time, workspace_id, migration_id, stage, kind, rating, message, source, reporter, context, variant)
      select * from jsonb_to_recordset(${sql.json(chunk as never)}) as x(time timestamptz, workspace_id uuid, migration_id uuid, stage int, kind text,
        rating int, message text, source text, reporter text, context jsonb, variant text)`;
  }
  return { samples: loader.samples, feedback: feedback.length };
}
