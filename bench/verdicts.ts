// Verdict simulation through the real SQL: simulated workspaces send batches of
// 100 samples per variant through public.ingest_metric_batches (the function the
// ingest API's group commit calls, as anon with an ingest token); after every
// batch both today's guardrails (app_private.evaluate_guardrails with the default
// rules, which really roll workspaces back) and the sequential checks
// (app_private.evaluate_check) judge every workspace. A/A groups have no
// difference between old and new: every rollback there is a false one. A/B groups
// have a real regression: we count how many samples per variant each needs.
// Run: npm run bench:verdicts            (100 A/A + 7 × 20 A/B workspaces; 10–20 minutes on a busy 2-core box)
//      npm run bench:verdicts -- --scale=10 (1 000 A/A workspaces, 200 per A/B group; hours)
//      BENCH_GROUPS=A/A | A/B | <part of a group name>, BENCH_AA_ROUNDS, BENCH_ALPHA, BENCH_T_STAR
import { createHash, randomBytes } from "node:crypto";
import { rng } from "../lib/seed/random";
import { benchDatabase } from "./lib/stack";

const scaleArg = process.argv.find((a) => a.startsWith("--scale="));
const SCALE = Number(scaleArg?.split("=")[1] ?? process.env.BENCH_SCALE ?? 1);
const BATCH = 100; // samples per variant per metric per batch
// Each check: a two-sided confidence sequence at level α = 2 %, so a one-sided
// false "worse" verdict has probability ≤ 1 % however often it is evaluated;
// tightest around t* = 500 samples per variant.
const ALPHA = Number(process.env.BENCH_ALPHA ?? 0.02);
const T_STAR = Number(process.env.BENCH_T_STAR ?? 500);
const ONLY = process.env.BENCH_GROUPS; // e.g. "severe" to run only matching groups
const AA_ROUNDS = Number(process.env.BENCH_AA_ROUNDS ?? 30);

type Metric = "latency_ms" | "error" | "quality";
interface Group {
  name: string;
  kind: "A/A" | "A/B";
  workspaces: number;
  rounds: number;
  metrics: Metric[];
  oldError: number;
  newError: number;
  latencyFactor: number;
  qualityFactor: number;
  /** fixed-horizon samples per variant at one-sided α = 1 %, power 95 % (for A/B) */
  fixedHorizon?: number;
  target?: string;
}

const s = SCALE;
const groups: Group[] = ([
  { name: "A/A, errors 2 %", kind: "A/A", workspaces: 50 * s, rounds: AA_ROUNDS, metrics: ["latency_ms", "error", "quality"], oldError: 0.02, newError: 0.02, latencyFactor: 1, qualityFactor: 1 },
  { name: "A/A, errors 0.5 %", kind: "A/A", workspaces: 50 * s, rounds: AA_ROUNDS, metrics: ["latency_ms", "error", "quality"], oldError: 0.005, newError: 0.005, latencyFactor: 1, qualityFactor: 1 },
  { name: "errors 1 % → 2 %", kind: "A/B", workspaces: 20 * s, rounds: 100, metrics: ["error"], oldError: 0.01, newError: 0.02, latencyFactor: 1, qualityFactor: 1, fixedHorizon: fixedHorizonRates(0.01, 0.02), target: "≥ 95 % within 10 000" },
  { name: "p95 latency +30 %", kind: "A/B", workspaces: 20 * s, rounds: 60, metrics: ["latency_ms"], oldError: 0, newError: 0, latencyFactor: 1.3, qualityFactor: 1 },
  { name: "quality −5 %", kind: "A/B", workspaces: 20 * s, rounds: 60, metrics: ["quality"], oldError: 0, newError: 0, latencyFactor: 1, qualityFactor: 0.95 },
  { name: "severe: errors 1 % → 10 %", kind: "A/B", workspaces: 20 * s, rounds: 5, metrics: ["error"], oldError: 0.01, newError: 0.1, latencyFactor: 1, qualityFactor: 1, fixedHorizon: fixedHorizonRates(0.01, 0.1), target: "within 300" },
  { name: "severe: p95 latency × 2", kind: "A/B", workspaces: 20 * s, rounds: 5, metrics: ["latency_ms"], oldError: 0, newError: 0, latencyFactor: 2, qualityFactor: 1, target: "within 300" },
] satisfies Group[]).filter((g) => !ONLY || g.kind === ONLY || g.name.includes(ONLY)) as Group[];

/** n per variant for a one-sided two-proportion z-test, α = 1 %, power 95 %. */
function fixedHorizonRates(p1: number, p2: number): number {
  const za = 2.3263, zb = 1.6449;
  return Math.ceil(((za + zb) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2))) / (p2 - p1) ** 2);
}

// The sequential checks replacing today's default rules (same limits):
// error rate new − old ≤ 0; p95 new/old ≤ 1.2; quality new/old ≥ 0.97.
const CHECKS = [
  { key: "error_rate", statistic: "error_rate", comparison: "difference_to_old", operator: "<=", threshold: 0, min_samples: 100, alpha: ALPHA, t_star: T_STAR },
  { key: "p95", statistic: "p95_latency", comparison: "ratio_to_old", operator: "<=", threshold: 1.2, min_samples: 200, alpha: ALPHA, t_star: T_STAR },
  { key: "quality", statistic: "metric_mean", metric: "quality", comparison: "ratio_to_old", operator: ">=", threshold: 0.97, min_samples: 100, alpha: ALPHA, t_star: T_STAR },
];

interface Ws {
  id: string;
  slug: string;
  group: Group;
  newAt: number | null; // samples per variant when the sequential checks failed it
  newBy: string | null;
  oldAt: number | null; // … when today's rules rolled it back
  oldBy: string | null;
  rounds: number;
}

const started = Date.now();
const db = await benchDatabase("verdicts", { seed: true });
const { sql } = db;
try {
  const token = `rc_${randomBytes(24).toString("base64url")}`;
  const tokenHash = createHash("sha256").update(token).digest("hex");
  await sql`insert into public.ingest_tokens (name, token_hash, prefix) values ('bench', ${tokenHash}, ${token.slice(0, 10)})`;
  const [mig] = await sql`insert into public.migrations (key, name) values ('bench-verdicts', 'Bench verdicts') returning id, key`;
  for (let i = 0; i < 4; i++)
    await sql`insert into public.migration_stages (migration_id, position, key, name) values (${mig.id}, ${i}, ${"s" + i}, ${"Stage " + i})`;
  // Today's rules: the defaults of the guardrails migration, plus the quality limit the
  // sequential check uses, as a fixed rule of the same kind (ratio of means < 0.97 → roll back).
  await sql`insert into public.guardrail_rules (name, migration_id, statistic, metric, comparison, operator, threshold, window_minutes, min_samples, severity, action)
            values ('Quality below 0.97 × old', ${mig.id}, 'metric_mean', 'quality', 'ratio', '<', 0.97, 15, 200, 'critical', 'rollback_previous')`;
  // "today" means the fixed rules: pin the default rules to them when the database
  // already switched them to the sequential test
  await sql`update public.guardrail_rules set test = 'fixed'
            where exists (select 1 from information_schema.columns where table_schema = 'public' and table_name = 'guardrail_rules' and column_name = 'test')`.catch(() => {});
  const rules = await sql`select name, statistic, comparison, operator, threshold, absolute_guard, min_samples from public.guardrail_rules where enabled and (migration_id is null or migration_id = ${mig.id}) order by name`;

  const all: Ws[] = [];
  for (const [gi, g] of groups.entries()) {
    const slugs = Array.from({ length: g.workspaces }, (_, i) => `bv-${gi}-${i}-${randomBytes(2).toString("hex")}`);
    const rows = await sql`insert into public.workspaces (slug, name) select s, s from unnest(${slugs}::text[]) s returning id, slug`;
    await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at) select unnest(${rows.map((r) => r.id)}::uuid[]), ${mig.id}, 2, now() - interval '1 day'`;
    for (const r of rows) all.push({ id: r.id, slug: r.slug, group: g, newAt: null, newBy: null, oldAt: null, oldBy: null, rounds: 0 });
  }
  const from = new Date(Date.now() - 60_000);
  const r = rng(20261202).next;
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const sample = (g: Group, m: Metric, isNew: boolean): number => {
    if (m === "latency_ms") return Math.exp(Math.log(120) + 0.5 * normal()) * (isNew ? g.latencyFactor : 1);
    if (m === "error") return r() < (isNew ? g.newError : g.oldError) ? 1 : 0;
    return Math.min(1, Math.max(0, 0.8 + 0.1 * normal())) * (isNew ? g.qualityFactor : 1);
  };

  const pg = (xs: (number | boolean)[]) => "{" + xs.map((x) => (x === true ? "t" : x === false ? "f" : String(x))).join(",") + "}";
  async function ingest(batch: Ws[]) {
    const metricsList: Metric[] = ["latency_ms", "error", "quality"];
    const cols = { b: [] as number[], w: [] as number[], m: [] as number[], k: [] as number[], n: [] as boolean[], v: [] as number[], t: [] as number[] };
    const now = Date.now() / 1000;
    const meta = batch.map((ws, bi) => {
      let count = 0;
      for (const metric of ws.group.metrics)
        for (const isNew of [false, true])
          for (let i = 0; i < BATCH; i++) {
            cols.b.push(bi + 1); cols.w.push(bi + 1); cols.m.push(1); cols.k.push(metricsList.indexOf(metric) + 1);
            cols.n.push(isNew); cols.v.push(sample(ws.group, metric, isNew)); cols.t.push(now);
            count++;
          }
      return { t: tokenHash, k: null, h: "bench", n: count, w: [bi + 1], m: [1], p: [1, 1] };
    });
    const res = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'anon', true), set_config('request.jwt.claims', '{"role":"anon"}', true)`;
      const [row] = await tx`select public.ingest_metric_batches(${tx.json(meta as never)}, ${batch.map((w) => w.slug)}::text[], ${[mig.key]}::text[], ${metricsList}::text[],
        ${pg(cols.b)}::int[], ${pg(cols.w)}::int[], ${pg(cols.m)}::int[], ${pg(cols.k)}::int[], ${pg(cols.n)}::boolean[], ${pg(cols.v)}::float8[], ${pg(cols.t)}::float8[]) as r`;
      return row.r as { error?: string }[];
    });
    const bad = res.find((x) => x.error);
    if (bad) throw new Error(`ingest refused a batch: ${JSON.stringify(bad)}`);
  }

  const maxRounds = Math.max(...groups.map((g) => g.rounds));
  let evalNewMs = 0, evalOldMs = 0, ingestMs = 0, evaluations = 0;
  for (let round = 1; round <= maxRounds; round++) {
    const active = all.filter((w) => w.rounds < w.group.rounds && (w.newAt === null || w.oldAt === null));
    if (active.length === 0) break;
    let t0 = Date.now();
    for (let i = 0; i < active.length; i += 100) await ingest(active.slice(i, i + 100));
    ingestMs += Date.now() - t0;
    for (const w of active) w.rounds = round;
    const n = round * BATCH;

    // today's rules, exactly as the ingest endpoints trigger them after a batch
    t0 = Date.now();
    const oldOpen = active.filter((w) => w.oldAt === null);
    for (let i = 0; i < oldOpen.length; i += 500) {
      const part = oldOpen.slice(i, i + 500);
      await sql`select app_private.evaluate_guardrails(${part.map((w) => w.id)}::uuid[], ${[mig.id]}::uuid[])`;
    }
    const rolled = await sql`select t.workspace_id, t.reason from public.stage_transitions t
      where t.migration_id = ${mig.id} and t.kind = 'auto_rollback' and t.workspace_id = any (${oldOpen.map((w) => w.id)}::uuid[])`;
    const byId = new Map(all.map((w) => [w.id, w]));
    for (const x of rolled) {
      const w = byId.get(x.workspace_id)!;
      if (w.oldAt === null) { w.oldAt = n; w.oldBy = /“(.+?)”/.exec(x.reason)?.[1] ?? "rule"; }
    }
    evalOldMs += Date.now() - t0;

    // the sequential checks over everything since the start
    t0 = Date.now();
    const newOpen = active.filter((w) => w.newAt === null);
    for (let i = 0; i < newOpen.length; i += 200) {
      const part = newOpen.slice(i, i + 200);
      const rows = await sql`
        select w.id, c.e ->> 'check' as check, c.e ->> 'verdict' as verdict
          from unnest(${part.map((w) => w.id)}::uuid[]) w(id),
               jsonb_array_elements(${sql.json(CHECKS as never)}) k(c),
               lateral (select app_private.evaluate_check(k.c, array[w.id], ${mig.id}, ${from}, now() + interval '1 minute') as e) c`;
      evaluations += rows.length;
      for (const x of rows) {
        const w = byId.get(x.id)!;
        if (x.verdict === "fail" && w.newAt === null) { w.newAt = n; w.newBy = x.check; }
      }
    }
    evalNewMs += Date.now() - t0;
    if (round % 10 === 0 || round <= 3) process.stderr.write(`round ${round}: ${active.length} workspaces active, ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }

  const pct = (k: number, n: number) => `${k}/${n} (${((100 * k) / n).toFixed(1)} %)`;
  const quant = (xs: number[], q: number) => {
    if (!xs.length) return "—";
    const sorted = [...xs].sort((a, b) => a - b);
    return String(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
  };
  console.log(`\nVerdict simulation (npm run bench:verdicts -- --scale=${SCALE}): batches of ${BATCH} samples per variant, every batch evaluated.`);
  console.log(`Sequential checks (α = ${ALPHA} two-sided each, t* = ${T_STAR}): ${CHECKS.map((c) => `${c.key} ${c.comparison} ${c.operator} ${c.threshold}`).join("; ")}`);
  console.log(`Today's rules: ${rules.map((x) => `${x.name}`).join("; ")}\n`);
  console.log("| group | workspaces | max samples/variant | sequential: rolled back | samples/variant at detection p50 / p95 | today's rules: rolled back | today: p50 / p95 |");
  console.log("| --- | --- | --- | --- | --- | --- | --- |");
  const aa = { k: 0, n: 0, ko: 0 };
  for (const g of groups) {
    const ws = all.filter((w) => w.group === g);
    const newHits = ws.filter((w) => w.newAt !== null), oldHits = ws.filter((w) => w.oldAt !== null);
    if (g.kind === "A/A") { aa.k += newHits.length; aa.ko += oldHits.length; aa.n += ws.length; }
    console.log(`| ${g.name} (${g.kind}) | ${ws.length} | ${g.rounds * BATCH} | ${pct(newHits.length, ws.length)} | ${g.kind === "A/B" ? `${quant(newHits.map((w) => w.newAt!), 0.5)} / ${quant(newHits.map((w) => w.newAt!), 0.95)}` : "—"} | ${pct(oldHits.length, ws.length)} | ${g.kind === "A/B" ? `${quant(oldHits.map((w) => w.oldAt!), 0.5)} / ${quant(oldHits.map((w) => w.oldAt!), 0.95)}` : "—"} |`);
  }
  console.log(`\nA/A false rollbacks: sequential ${pct(aa.k, aa.n)} (target ≤ 1 %), today's rules ${pct(aa.ko, aa.n)}.`);
  for (const g of groups.filter((x) => x.target)) {
    const ws = all.filter((w) => w.group === g);
    const limit = g.name.startsWith("severe") ? 300 : 10_000;
    const inTime = ws.filter((w) => w.newAt !== null && w.newAt <= limit).length;
    console.log(`${g.name}: sequential detects ${pct(inTime, ws.length)} within ${limit} samples/variant (target ${g.target})${g.fixedHorizon ? `; a fixed-horizon test (one-sided α 1 %, power 95 %) needs ${g.fixedHorizon}` : ""}.`);
  }
  const culprits = new Map<string, number>();
  for (const w of all.filter((x) => x.group.kind === "A/A")) {
    if (w.oldBy) culprits.set(`today: ${w.oldBy}`, (culprits.get(`today: ${w.oldBy}`) ?? 0) + 1);
    if (w.newBy) culprits.set(`sequential: ${w.newBy}`, (culprits.get(`sequential: ${w.newBy}`) ?? 0) + 1);
  }
  if (culprits.size) console.log(`A/A false rollbacks by rule: ${[...culprits].map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`\nTime: ingest ${(ingestMs / 1000).toFixed(1)} s, today's rules ${(evalOldMs / 1000).toFixed(1)} s, sequential checks ${(evalNewMs / 1000).toFixed(1)} s for ${evaluations} check evaluations (${(evalNewMs / Math.max(1, evaluations)).toFixed(2)} ms each); total ${((Date.now() - started) / 1000).toFixed(0)} s.`);
} finally {
  await db.stop();
}
