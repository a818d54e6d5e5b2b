// Stage-control latency at scale: 1 000 workspaces in one plan, each with an hour
// of telemetry so every gate check reads real rollups. Measures the advance
// function as the server action runs it (a transaction as `authenticated` with
// the operator's claims, then advance_workspace), p50/p95 over 300 advances, and
// one wave of 500 workspaces end to end.
// Run: npx tsx bench/advance.ts   (BENCH_DATABASE_URL to use another server)
import { randomUUID } from "node:crypto";
import { benchDatabase, summary } from "./lib/stack";

const N = Number(process.env.BENCH_WORKSPACES ?? 1000);
const ADVANCES = Number(process.env.BENCH_ADVANCES ?? 300);
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
  // 150 requests per variant per workspace, spread over the last hour.
  const started = Date.now();
  for (let i = 0; i < ids.length; i += 50) {
    const chunk = ids.slice(i, i + 50);
    const ws: number[] = [], metric: number[] = [], isNew: string[] = [], value: number[] = [], time: number[] = [];
    const now = Date.now() / 1000;
    chunk.forEach((_, wi) => {
      for (let k = 0; k < 150; k++) {
        for (const v of [false, true]) {
          ws.push(wi + 1, wi + 1); metric.push(1, 2); isNew.push(v ? "t" : "f", v ? "t" : "f");
          value.push(80 + ((k * 37) % 60) * (v ? 1.05 : 1), 0); time.push(now - 3500 + k * 20, now - 3500 + k * 20);
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

  // One wave: 500 of the workspaces still at stage 1 move to stage 2.
  const t0 = performance.now();
  const wave = await sql.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${claims}, true)`;
    const [{ w }] = await tx`select public.advance_wave(${mig.id}, 1, null, 500, 'bench wave', false) as w`;
    return w;
  });
  const waveMs = performance.now() - t0;
  console.log(`wave of ${wave.moved.length} workspaces (gate evaluated for each, one transaction): ${waveMs.toFixed(0)} ms, ${(waveMs / Math.max(1, wave.moved.length)).toFixed(2)} ms per workspace; ${wave.failed.length} failed their gate`);
} finally {
  await db.stop();
}
