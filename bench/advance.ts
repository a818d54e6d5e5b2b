// Stage-control latency at scale: 1 000 workspaces in one plan, each with an hour
// of telemetry so every gate check reads real rollups. Measures the advance
// function as the server action runs it (a transaction as `authenticated` with
// the operator's claims, then advance_workspace), p50/p95 over 300 advances, and
// two waves of 300 workspaces end to end, without and with progress reporting.
// Run: npx tsx bench/advance.ts   (BENCH_DATABASE_URL to use another server)
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { benchDatabase, summary } from "./lib/stack";

const N = Number(process.env.BENCH_WORKSPACES ?? 1000);
const ADVANCES = Number(process.env.BENCH_ADVANCES ?? 300);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 1500);
const db = await benchDatabase("advance", { seed: true });
const { sql } = db;
try {
  const [op] = await sql`select u.id, u.email from auth.users u join public.members m on m.user_id = u.id where m.role = 'operator' limit 1`;
  const claims = JSON.stringify({ sub: op.id, email: op.email, role: "authenticated", aud: "authenticated" });
  const [mig] = await sql`insert into public.migrations (key, name) values ('bench-plan', 'Bench plan') returning id`;
  const gate = { min_soak_minutes: 30, min_samples: 100, max_error_rate: 0.01, max_p95_ratio: 1.2, max_open_critical_alerts: 0, max_negative_feedback: 3 };
  for (let p = 0; p < 5; p++) {
    await sql`insert into public.migration_stages ${sql({ migration_id: mig.id, position: p, key: `s${p}`, name: `Stage ${p}`, ...(p === 0 ? {} : gate) })}`;
  }
  console.log(`creating ${N} workspaces with an hour of telemetry each…`);
  const ids: string[] = [];
  for (let i = 0; i < N; i += 200) {
    const batch = Array.from({ length: Math.min(200, N - i) }, (_, k) => ({ slug: `bench-${i + k}-${randomUUID().slice(0, 6)}`, name: `Bench ${i + k}`, is_canary: i + k < 10 }));
    const rows = await sql`insert into public.workspaces ${sql(batch)} returning id`;
    ids.push(...rows.map((r) => r.id as string));
  }
  await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at)
            select unnest(${ids}::uuid[]), ${mig.id}, 1, now() - interval '2 hours'`;
  // SAMPLES requests per variant per workspace, spread over the last hour: enough for
  // the sequential checks to conclude (the error rate's interval must come under 1 %).
  const started = Date.now();
  for (let i = 0; i < ids.length; i += 10) {
    const chunk = ids.slice(i, i + 10);
    const ws: number[] = [], metric: number[] = [], isNew: string[] = [], value: number[] = [], time: number[] = [];
    const now = Date.now() / 1000;
    chunk.forEach((_, wi) => {
      for (let k = 0; k < SAMPLES; k++) {
        for (const v of [false, true]) {
          ws.push(wi + 1, wi + 1); metric.push(1, 2); isNew.push(v ? "t" : "f", v ? "t" : "f");
          value.push(80 + ((k * 37) % 60) * (v ? 1.05 : 1), 0); time.push(now - 3500 + (k * 3400) / SAMPLES, now - 3500 + (k * 3400) / SAMPLES);
        }
      }
    });
    await sql`select app_private.store_metrics(${chunk}::uuid[], ${[mig.id]}::uuid[], ${["latency_ms", "error"]}::text[],
      ${ws}::int[], ${ws.map(() => 1)}::int[], ${metric}::int[], ${isNew}::text[]::boolean[], ${value}::float8[], ${time}::float8[])`;
  }
  console.log(`telemetry stored in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await sql`analyze`;

  const advance = async (wsId: string) => {
    const t0 = performance.now();
    const r = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
      const [{ r }] = await tx`select public.advance_workspace(${wsId}, ${mig.id}, 1, 'bench', false, null) as r`;
      return r;
    });
    if (!r.ok) throw new Error(`advance refused: ${r.message}`);
    return performance.now() - t0;
  };
  for (const id of ids.slice(0, 20)) await advance(id); // warm-up
  const lat: number[] = [];
  for (const id of ids.slice(20, 20 + ADVANCES)) lat.push(await advance(id));
  console.log(`advance (gate with 6 checks over rollups, ${N} workspaces): ${summary(lat)}`);

  // Two waves of the workspaces still at stage 1 (680 after the advances above):
  // the first as before, the second telling its progress (a rollout.progress NOTICE
  // every ten workspaces, as the wave panel asks for it), so the cost of telling is
  // measured beside the same wave without it.
  const WAVE = Number(process.env.BENCH_WAVE ?? 300);
  let heard = 0;
  // The app's pool hears every notice: so does this connection.
  const waves = postgres(db.url, { max: 1, onnotice: (n) => { if (n.message === "rollout.progress") heard++; } });
  const runWave = async (progress: string | null) => {
    const t0 = performance.now();
    const w = await waves.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
      if (progress) await tx`select set_config('rollout.progress', ${progress}, true)`;
      const [{ w }] = await tx`select public.advance_wave(${mig.id}, 1, null, ${WAVE}, 'bench wave', false) as w`;
      return w;
    });
    return { w, ms: performance.now() - t0 };
  };
  for (const [label, progress] of [["without progress", null], ["with progress", randomUUID()]] as const) {
    heard = 0;
    const { w, ms } = await runWave(progress);
    console.log(`wave of ${w.moved.length} workspaces ${label} (gate evaluated for each, one transaction): ${ms.toFixed(0)} ms, ${(ms / Math.max(1, w.moved.length)).toFixed(2)} ms per workspace; ${w.failed.length} failed their gate; ${heard} progress notices`);
  }
  await waves.end();
} finally {
  await db.stop();
}
