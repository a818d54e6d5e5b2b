// npm run bench:flags — in-process evaluation rate of the rollout client:
// compiled state (per-flag mode and precomputed hash seed) and the sticky hash
// per (flag, unit). Stops after a fixed number of evaluations per case.
import { randomUUID } from "node:crypto";
import { compileState, evaluate, type StateDocument } from "../clients/rollout-client/state";

const doc: StateDocument = {
  workspace: { id: randomUUID(), slug: "bench", name: "Bench" },
  unit: "",
  migrations: { "ai-pipeline": { stage: 2, stageKey: "pct-10", stageName: "10 %", status: "active", lastStage: 4 } },
  flags: {
    ai_pipeline_v2: { value: false, reason: "rollout", mode: "rollout", rolloutBps: 2500 },
    ai_pipeline_shadow: { value: true, reason: "in_rollout", mode: "on", rolloutBps: 10000 },
    lead_tracking_ui: { value: false, reason: "stage_not_reached", mode: "off", rolloutBps: 10000 },
  },
};
const state = compileState(doc, null);
const shortUnits = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
const uuidUnits = Array.from({ length: 10_000 }, () => randomUUID());
const N = Number(process.env.BENCH_EVALS ?? 20_000_000);

function run(name: string, flag: string, units: string[]) {
  let on = 0;
  for (let i = 0; i < 1_000_000; i++) if (evaluate(state, flag, units[i % units.length])) on++; // warm-up
  on = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) if (evaluate(state, flag, units[i % units.length])) on++;
  const s = (performance.now() - t0) / 1000;
  console.log(`${name.padEnd(44)} ${(N / s / 1e6).toFixed(1).padStart(6)} M evaluations/s  (${N.toLocaleString("en-US")} in ${s.toFixed(2)} s, ${((on / N) * 100).toFixed(1)} % on)`);
}

run("25 % rollout, unit 'user-<n>' (hash)", "ai_pipeline_v2", shortUnits);
run("25 % rollout, UUID unit (hash of 36 chars)", "ai_pipeline_v2", uuidUnits);
run("flag fixed on (no hash)", "ai_pipeline_shadow", uuidUnits);
run("unknown flag (default off)", "nope", uuidUnits);
