import { randomUUID } from "node:crypto";
import type postgres from "postgres";
import { expect, loginAs, shot, test, USERS } from "./fixtures";

/** A migration of its own with three gate-free stages and `n` workspaces that entered stage 0 ten days ago. */
async function arrange(sql: postgres.Sql, n: number) {
  const key = `e2e-plan-${randomUUID().slice(0, 8)}`;
  const [m] = await sql`insert into public.migrations (key, name, description) values (${key}, ${"Plan " + key}, 'Autopilot test') returning id`;
  for (const [i, name] of ["Off", "Shadow", "On"].entries()) {
    await sql`insert into public.migration_stages (migration_id, position, key, name) values (${m.id}, ${i}, ${"s" + i}, ${name})`;
  }
  for (let i = 0; i < n; i++) {
    const slug = `p-${randomUUID().slice(0, 10)}`;
    const [w] = await sql`insert into public.workspaces (slug, name, is_canary) values (${slug}, ${"Plan ws " + i}, ${i < 2}) returning id`;
    await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at) values (${w.id}, ${m.id}, 0, now() - interval '10 days')`;
  }
  return { key, id: m.id as string };
}

test.describe("rollout plans", () => {
  test("an admin creates a plan from a template and starts it; the timeline says what the step waits for", async ({ page, sql }) => {
    const mig = await arrange(sql, 6);
    await loginAs(page, "admin");
    await page.goto(`/migrations/${mig.key}`);
    const panel = page.getByTestId("plan-panel");
    await expect(panel).toContainText("No plan yet");
    await page.getByLabel("New plan from a template").selectOption("weekly");
    await page.getByRole("button", { name: "Create draft plan" }).click();
    await expect(panel.getByText("draft", { exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Start plan" }).click();
    // The worker ticks the plan at once: the canaries move one stage, then bake.
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId("plan-waiting")).toContainText("need more bake time", { timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    const [{ n }] = await sql`select count(*)::int as n from public.workspace_rollouts where migration_id = ${mig.id} and stage = 1`;
    expect(n).toBe(2);
    await page.getByText(/^Timeline/).click();
    await page.setViewportSize({ width: 1440, height: 900 });
    await shot(page, "plan-1440");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "plan-390");
  });

  test("an operator approves a step and watches the workspaces move", async ({ page, sql }) => {
    const mig = await arrange(sql, 4);
    const [author] = await sql`select id from auth.users where email = ${USERS.admin}`;
    const [plan] = await sql`insert into public.rollout_plans (migration_id, name, author, author_email, state)
      values (${mig.id}, 'Approval test', ${author.id}, ${USERS.admin}, 'running') returning id`;
    await sql`insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, max_concurrent, approvals_required)
      values (${plan.id}, 0, 1, 'percent', 100, 10, 1)`;
    await sql`select public.run_plan_tick(${plan.id})`;
    await loginAs(page, "operator");
    await page.goto(`/migrations/${mig.key}`);
    await expect(page.getByTestId("plan-waiting")).toContainText("Awaiting 1 approval(s).");
    await page.getByLabel("Note").fill("metrics look good");
    await page.getByRole("button", { name: "Approve step 1" }).click();
    // The approval queues a tick: the worker moves all four.
    await expect.poll(async () => (await sql`select count(*)::int as n from public.workspace_rollouts where migration_id = ${mig.id} and stage = 1`)[0].n,
      { timeout: 30_000 }).toBe(4);
    await page.reload();
    await page.getByText(/^Timeline/).click();
    await expect(page.getByRole("list", { name: "Plan timeline" })).toContainText("metrics look good");
    await shot(page, "plan-approved");
  });
});
