import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeReadiness } from "../../lib/rollouts/summary";
import type { Tx as AppTx } from "../../lib/db";
import { asUser, closeDb, createMigration, createUser, createWorkspace, enroll, storeSamples, traffic, type TestUser } from "../helpers/db";

let viewer: TestUser;
beforeAll(async () => {
  viewer = await createUser("viewer");
});
afterAll(closeDb);

// The summary's set-based readiness must agree with the gate function itself.
describe("overview readiness (one set-based query)", () => {
  it("agrees with evaluate_gate on ready, missing samples, regressed p95, soak and paused workspaces", async () => {
    const mig = await createMigration([{}, { minSoakMinutes: 30, minSamples: 50, maxErrorRate: 0.05, maxP95Ratio: 1.2 }, {}]);
    const ready = await createWorkspace();
    const few = await createWorkspace();
    const slow = await createWorkspace();
    const young = await createWorkspace();
    const last = await createWorkspace();
    for (const w of [ready, few, slow]) await enroll(w.id, mig.id, 0, 120);
    await enroll(young.id, mig.id, 0, 5);
    await enroll(last.id, mig.id, 2, 120);
    await storeSamples(ready.id, mig.id, traffic(80));
    await storeSamples(few.id, mig.id, traffic(10));
    await storeSamples(slow.id, mig.id, traffic(80, { newFactor: 2 }));
    await storeSamples(young.id, mig.id, traffic(80));

    const { rows } = await asUser(viewer, (tx) => computeReadiness(tx as unknown as AppTx));
    const failing = (id: string) => rows.find((r) => r.workspaceId === id && r.migrationId === mig.id)?.failing;
    expect(failing(ready.id)).toEqual([]);
    expect(failing(few.id)).toEqual(["min_samples"]);
    expect(failing(slow.id)).toEqual(["p95_ratio"]);
    expect(failing(young.id)).toEqual(["soak_time"]);
    expect(failing(last.id)).toBeUndefined(); // at the last stage: nothing to advance to

    for (const w of [ready, few, slow, young]) {
      const [{ r }] = await asUser(viewer, (tx) => tx`select public.evaluate_gate(${w.id}, ${mig.id}) as r`);
      const gateFailing = (r.checks as { check: string; status: string }[]).filter((c) => c.status !== "pass").map((c) => c.check);
      expect(failing(w.id)).toEqual(gateFailing);
    }
  });
});
