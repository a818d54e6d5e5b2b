import { arrangeMigration as arrange, expect, loginAs, shot, test, USERS } from "./fixtures";

test.describe("rollout plans", () => {
  test("an admin creates a plan from a template and starts it; the timeline says what the step waits for", async ({ page, sql }) => {
    const mig = await arrange(sql, 6);
    await loginAs(page, "admin");
    await page.goto(`/migrations/${mig.key}`);
    const panel = page.getByTestId("plan-panel");
    await expect(panel).toContainText("No plan yet");
    await page.getByRole("button", { name: "New plan…" }).click();
    await page.getByLabel("Start from").selectOption("weekly");
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

  test("an admin writes a plan in the editor: steps, cohorts, a window and a freeze; mistakes are named before sending", async ({ page, sql }) => {
    const mig = await arrange(sql, 3);
    const [named] = await sql`select w.slug from public.workspaces w join public.workspace_rollouts r on r.workspace_id = w.id
                              where r.migration_id = ${mig.id} and not w.is_canary limit 1`;
    await loginAs(page, "admin");
    await page.goto(`/migrations/${mig.key}`);
    await page.getByRole("button", { name: "New plan…" }).click();
    const editor = page.getByTestId("plan-editor");
    await page.getByLabel("Start from").selectOption("blank");
    await page.getByLabel("Plan name").fill("Hand-written ramp");
    await page.getByLabel("Time zone").fill("UTC");
    // Step 1: canaries to stage 1.
    await page.getByLabel("Cohort").selectOption("canaries");
    await page.getByLabel("Up to stage").selectOption("1");
    // Step 2: one named workspace to the last stage, one approval first.
    await page.getByRole("button", { name: "Add step" }).click();
    await editor.getByTestId("plan-editor-step").nth(1).getByLabel("Cohort").selectOption("workspaces");
    await expect(page.getByTestId("plan-editor-problem")).toHaveText("Step 2, cohortWorkspaces: at least one workspace");
    await expect(page.getByRole("button", { name: "Create draft plan" })).toBeDisabled();
    await page.getByLabel("Workspace slugs (comma-separated)").fill(named.slug);
    await editor.getByTestId("plan-editor-step").nth(1).getByLabel("Approvals before it starts").fill("1");
    // Step 3: a percentage that shrinks is named, then fixed.
    await page.getByRole("button", { name: "Add step" }).click();
    await editor.getByTestId("plan-editor-step").nth(2).getByLabel("Percent of workspaces").fill("0");
    await expect(page.getByTestId("plan-editor-problem")).toHaveText("Step 3, cohortPercent: more than 0 %");
    await editor.getByTestId("plan-editor-step").nth(2).getByLabel("Percent of workspaces").fill("100");
    // A window on weekdays and a freeze.
    await page.getByRole("button", { name: "Add window" }).click();
    await page.getByRole("button", { name: "Add freeze" }).click();
    await editor.getByTestId("plan-editor-freeze").getByLabel("From", { exact: true }).fill("2030-12-24T00:00");
    await editor.getByTestId("plan-editor-freeze").getByLabel("To", { exact: true }).fill("2030-12-27T00:00");
    await editor.getByLabel("Reason").fill("holidays");
    await expect(page.getByTestId("plan-editor-problem")).toHaveCount(0);
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth), "the page, editor open, fits a phone after the window narrows").toBeLessThanOrEqual(0);
    await shot(page, "plan-editor-390");
    await page.setViewportSize({ width: 1440, height: 900 });
    await shot(page, "plan-editor-1440");
    await page.getByRole("button", { name: "Create draft plan" }).click();
    await expect(page.getByTestId("plan-panel").getByText("draft", { exact: true })).toBeVisible();

    const [plan] = await sql`select id, name, time_zone, windows, jsonb_array_length(freezes) as freezes from public.rollout_plans where migration_id = ${mig.id}`;
    expect(plan).toMatchObject({ name: "Hand-written ramp", time_zone: "UTC", windows: [{ days: [1, 2, 3, 4, 5], from: "09:00", to: "17:00" }], freezes: 1 });
    const steps = await sql`select position, target_stage, cohort_kind, cohort_percent::float8 as pct, cardinality(cohort_workspaces) as named, approvals_required
                            from public.rollout_plan_steps where plan_id = ${plan.id} order by position`;
    expect(steps).toEqual([
      { position: 0, target_stage: 1, cohort_kind: "canaries", pct: null, named: null, approvals_required: 0 },
      { position: 1, target_stage: 2, cohort_kind: "workspaces", pct: null, named: 1, approvals_required: 1 },
      { position: 2, target_stage: 2, cohort_kind: "percent", pct: 100, named: null, approvals_required: 0 },
    ]);
  });

  test("operators and viewers see the plan but no editor", async ({ page, sql }) => {
    const mig = await arrange(sql, 1);
    for (const role of ["operator", "viewer"] as const) {
      await page.context().clearCookies();
      await loginAs(page, role);
      await page.goto(`/migrations/${mig.key}`);
      await expect(page.getByTestId("plan-panel")).toContainText("No plan yet");
      await expect(page.getByRole("button", { name: "New plan…" })).toHaveCount(0);
    }
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

  test("an operator skips a step with a reason; without one the skip is refused", async ({ page, sql }) => {
    const mig = await arrange(sql, 3);
    const [author] = await sql`select id from auth.users where email = ${USERS.admin}`;
    const [plan] = await sql`insert into public.rollout_plans (migration_id, name, author, author_email, state)
      values (${mig.id}, 'Skip test', ${author.id}, ${USERS.admin}, 'running') returning id`;
    await sql`insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, max_concurrent, approvals_required)
      values (${plan.id}, 0, 1, 'percent', 100, 10, 1), (${plan.id}, 1, 2, 'percent', 100, 10, 1)`;
    await loginAs(page, "operator");
    await page.goto(`/migrations/${mig.key}`);
    const panel = page.getByTestId("plan-panel");
    await panel.getByRole("button", { name: "Skip step 1" }).click();
    await expect(panel.getByRole("alert")).toContainText("say why (at least 5 characters)");
    expect((await sql`select current_step from public.rollout_plans where id = ${plan.id}`)[0].current_step).toBe(0);
    await panel.getByLabel("Note").fill("stage 1 was verified by hand last week");
    await panel.getByRole("button", { name: "Skip step 1" }).click();
    await expect(panel.getByRole("button", { name: "Skip step 2" })).toBeVisible();
    expect((await sql`select current_step from public.rollout_plans where id = ${plan.id}`)[0].current_step).toBe(1);
    await page.getByText(/^Timeline/).click();
    await expect(page.getByRole("list", { name: "Plan timeline" })).toContainText("stage 1 was verified by hand last week");
  });
});
