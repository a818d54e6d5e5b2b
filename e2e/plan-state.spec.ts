import { randomUUID } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, loginAs, shot, test, USERS } from "./fixtures";

async function noOverflow(page: Page, what: string) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, `${what} is wider than the screen`).toBeLessThanOrEqual(0);
}

test.describe("plan state on the overview and the workspace page", () => {
  test("the demo's running plan is on the overview, linked to its migration", async ({ page }) => {
    await loginAs(page, "viewer");
    const line = page.getByTestId("plan-lead-centric");
    await expect(line).toContainText("Lead-centric autopilot");
    await expect(line).toContainText("waiting for approval");
    await expect(line).toContainText("step 3 of 4");
    await expect(line).toContainText("Awaiting 1 approval(s).");
    await line.getByRole("link", { name: "Lead-centric autopilot" }).click();
    await expect(page).toHaveURL(/\/migrations\/lead-centric$/);
    await expect(page.getByTestId("plan-panel")).toContainText("Lead-centric autopilot");
  });

  test("an admin sees the plan's state on the overview and what it will do on a workspace page in the cohort", async ({ page, sql }) => {
    const key = `e2e-ps-${randomUUID().slice(0, 8)}`;
    const [m] = await sql`insert into public.migrations (key, name, description) values (${key}, ${"Plan state " + key}, 'Plan state test') returning id`;
    for (const [i, name] of ["Off", "Shadow", "On"].entries()) {
      await sql`insert into public.migration_stages (migration_id, position, key, name) values (${m.id}, ${i}, ${"s" + i}, ${name})`;
    }
    const slugs: string[] = [];
    for (let i = 0; i < 4; i++) {
      const slug = `ps-${randomUUID().slice(0, 10)}`;
      const [w] = await sql`insert into public.workspaces (slug, name, is_canary) values (${slug}, ${"Plan state ws " + i}, ${i === 0}) returning id`;
      await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at) values (${w.id}, ${m.id}, ${i === 0 ? 1 : 0}, now() - interval '10 days')`;
      slugs.push(slug);
    }
    const [author] = await sql`select id from auth.users where email = ${USERS.operator}`;
    // Step 1 (canaries) is done; step 2 takes everyone to Shadow once approved; step 3 to On.
    const [plan] = await sql`insert into public.rollout_plans (migration_id, name, author, author_email, state, current_step)
      values (${m.id}, 'Shadow then on', ${author.id}, ${USERS.operator}, 'running', 1) returning id`;
    await sql`insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, approvals_required)
      values (${plan.id}, 0, 1, 'canaries', null, 0), (${plan.id}, 1, 1, 'percent', 100, 1), (${plan.id}, 2, 2, 'percent', 100, 0)`;

    await loginAs(page, "admin");
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      await page.goto("/");
      const line = page.getByTestId(`plan-${key}`);
      await expect(line).toContainText("Shadow then on");
      await expect(line).toContainText("waiting for approval");
      await expect(page.getByTestId(`plan-${key}-step`)).toHaveText("step 2 of 3 → Shadow");
      await expect(page.getByTestId(`plan-${key}-waits`)).toHaveText("Awaiting 1 approval(s).");
      await line.scrollIntoViewIfNeeded();
      await noOverflow(page, `overview at ${width} px`);
      await shot(page, `plan-state-overview-${width}`);

      // A workspace at stage 0 in the cohort: the current step moves it; the canary at Shadow waits for step 3.
      await page.goto(`/workspaces/${slugs[1]}?m=${key}`);
      const mine = page.getByTestId(`workspace-plan-${key}`);
      await expect(mine).toContainText("Shadow then on");
      await expect(mine).toContainText("waiting for approval");
      await expect(mine).toContainText("The current step (2 of 3) moves it to 1 · Shadow once the step has its approval (1 missing) and its gate passes.");
      await noOverflow(page, `workspace page at ${width} px`);
      const scan = await new AxeBuilder({ page }).include('[data-testid="workspace-plans"]').analyze();
      expect(scan.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
      await shot(page, `plan-state-workspace-${width}`);

      await page.goto(`/workspaces/${slugs[0]}?m=${key}`);
      await expect(page.getByTestId(`workspace-plan-${key}`)).toContainText("Step 3 of 3 will move it to 2 · On.");
    }
    // Read-only: no plan buttons on either page.
    await expect(page.getByTestId("workspace-plans").getByRole("button")).toHaveCount(0);
  });
});
