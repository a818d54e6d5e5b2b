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
    // Enough samples for the gate's sequential tests to decide (error rate ≤ 5 %, p95 ≤ 1.2 × old).
    await storeSamples(ready.id, mig.id, traffic(1500));
    await storeSamples(few.id, mig.id, traffic(10));
    await storeSamples(slow.id, mig.id, traffic(1500, { newFactor: 2 }));
    await storeSamples(young.id, mig.id, traffic(80));

    const { rows } = await asUser(viewer, (tx) => computeReadiness(tx as unknown as AppTx));
    const failing = (id: string) => rows.find((r) => r.workspaceId === id && r.migrationId === mig.id)?.failing;
    expect(failing(ready.id)).toEqual([]);
    expect(failing(few.id)).toEqual(["min_samples"]);
    expect(failing(slow.id)).toContain("p95_ratio");
    expect(failing(young.id)).toEqual(["soak_time"]);
    expect(failing(last.id)).toBeUndefined(); // at the last stage: nothing to advance to

    const gateFailing = async (id: string) => {
      const [{ r }] = await asUser(viewer, (tx) => tx`select public.evaluate_gate(${id}, ${mig.id}) as r`);
      return (r.checks as { check: string; status: string }[]).filter((c) => c.status !== "pass").map((c) => c.check);
    };
    // Ready and blocked-by-statistics workspaces: exactly what the gate says.
    for (const w of [ready, slow]) expect(failing(w.id)).toEqual(await gateFailing(w.id));
    // Blocked by a counted check: that reason, which the gate gives too.
    for (const w of [few, young]) for (const c of failing(w.id)!) expect(await gateFailing(w.id)).toContain(c);
  });
});
