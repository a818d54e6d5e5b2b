// Plan engine latency: 10 000 workspaces enrolled in 3 migrations, each with a running
// plan (canaries, then 1 → 10 → 25 → 50 → 100 % to the last stage, 50 moves per tick,
// no bake), gate-free stages so the figure is the engine's own cost (a gate's cost is
// bench:advance's). Measures public.run_plan_tick() over all three plans:
//   moving ticks (each plan moves up to 50 workspaces) and idle ticks (outside the
//   window: every plan evaluated, nothing moves). Target: p95 ≤ 200 ms per tick.
//   Beside them, as a same-run baseline, the cost every tick paid before the wave order
//   was cached (plans/wave.sql): each plan's cohort rebuilt in wave order twice.
// Run: npx tsx bench/plan-tick.ts   (BENCH_DATABASE_URL to use another server, BENCH_PG_PORT for the embedded one)
import { randomUUID } from "node:crypto";
import { benchDatabase, summary } from "./lib/stack";

const N = Number(process.env.BENCH_WORKSPACES ?? 10_000);
const TICKS = Number(process.env.BENCH_TICKS ?? 40);
const db = await benchDatabase("plan_tick", { seed: false });
const { sql } = db;
try {
  console.log(`creating ${N} workspaces in 3 migrations…`);
  const ids: string[] = [];
  for (let i = 0; i < N; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, N - i) }, (_, k) => ({ slug: `pt-${i + k}-${randomUUID().slice(0, 6)}`, name: `Bench ${i + k}`, is_canary: i + k < 20 }));
    const rows = await sql`insert into public.workspaces ${sql(batch)} returning id`;
    ids.push(...rows.map((r) => r.id as string));
  }
  const plans: string[] = [];
  for (let m = 0; m < 3; m++) {
    const [mig] = await sql`insert into public.migrations (key, name) values (${`bench-plan-${m}`}, ${`Bench ${m}`}) returning id`;
    for (let p = 0; p < 4; p++) await sql`insert into public.migration_stages (migration_id, position, key, name) values (${mig.id}, ${p}, ${`s${p}`}, ${`Stage ${p}`})`;
    await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at)
              select unnest(${ids}::uuid[]), ${mig.id}, 0, now() - interval '1 day'`;
    const steps = [
      { target_stage: 3, cohort_kind: "canaries", max_concurrent: 50 },
      ...[1, 10, 25, 50, 100].map((pct) => ({ target_stage: 3, cohort_kind: "percent", cohort_percent: pct, max_concurrent: 50 })),
    ];
    // Plans are created by admins through public.create_rollout_plan; the bench writes the rows directly.
    const [{ id }] = await sql`insert into public.rollout_plans (migration_id, name, state) values (${mig.id}, 'Bench', 'running') returning id`;
    for (const [i, st] of steps.entries()) {
      await sql`insert into public.rollout_plan_steps ${sql({ plan_id: id, position: i, cohort_percent: null, ...st })}`;
    }
    plans.push(id);
  }
  await sql`analyze`;

  const tick = async (offset = "0") => {
    const t0 = performance.now();
    const r = await sql.begin(async (tx) => {
      await tx`select set_config('rollout.clock_offset', ${offset}, true)`;
      const [{ r }] = await tx`select public.run_plan_tick() as r`;
      return r as { plans: { moved: number }[] };
    });
    return { ms: performance.now() - t0, moved: r.plans.reduce((a, p) => a + p.moved, 0) };
  };
  for (let i = 0; i < 3; i++) await tick(); // warm-up
  const moving: number[] = [];
  let moved = 0;
  for (let i = 0; i < TICKS; i++) {
    const t = await tick();
    moving.push(t.ms);
    moved += t.moved;
  }
  console.log(`moving tick, 3 plans × ${N} workspaces (${moved} moves over ${TICKS} ticks): ${summary(moving)}`);

  // Idle: a window that never opens now; every plan is evaluated and waits.
  await sql`update public.rollout_plans set windows = ${sql.json([{ days: [1], from: "00:00", to: "00:01" }])} where id = any(${plans}::uuid[])`;
  const idle: number[] = [];
  for (let i = 0; i < TICKS; i++) idle.push((await tick("2 days")).ms);
  console.log(`idle tick (outside the window), 3 plans × ${N} workspaces: ${summary(idle)}`);

  // Baseline in the same run: what every tick spent before the wave order was cached,
  // each plan's cohort rebuilt in wave order (twice per plan and tick) from scratch.
  const rebuild: number[] = [];
  for (let i = 0; i < TICKS; i++) {
    const t0 = performance.now();
    for (const id of plans) {
      for (let k = 0; k < 2; k++) {
        await sql`select count(*) from public.rollout_plans p join public.rollout_plan_steps s on s.plan_id = p.id and s.position = p.current_step,
                  app_private.plan_cohort(p.migration_id, s) c where p.id = ${id}`;
      }
    }
    rebuild.push(performance.now() - t0);
  }
  console.log(`baseline, same run: rebuilding the 3 plans' cohorts as every tick did before the cache (2 × 3 plan_cohort): ${summary(rebuild)}`);
} finally {
  await db.stop();
}
