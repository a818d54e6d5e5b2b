import type postgres from "postgres";
import { arrangeMigration, expect, loginAs, shot, test } from "./fixtures";

// Each test makes its own workspace, so runs do not depend on one another.
async function makeWorkspace(sql: postgres.Sql, name: string, migrationKey: string, stage: number, minutesAgo = 0) {
  const slug = `e2e-${name.toLowerCase().replace(/\W+/g, "-")}-${Date.now().toString(36)}`;
  const [w] = await sql`insert into public.workspaces (slug, name, tier) values (${slug}, ${name}, 'pro') returning id`;
  await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at)
            select ${w.id}, id, ${stage}, now() - make_interval(mins => ${minutesAgo}) from public.migrations where key = ${migrationKey}`;
  return slug;
}

test.describe("stage control", () => {
  test("operator advances with a passing gate and sees it in the history", async ({ page, sql }) => {
    const slug = await makeWorkspace(sql, "Advance Ltd", "lead-centric", 0);
    await loginAs(page, "operator");
    await page.goto(`/workspaces/${slug}`);
    await expect(page.getByTestId("current-stage")).toContainText("Existing only");
    await expect(page.getByTestId("live-gate")).toHaveAttribute("data-passed", "true");
    await shot(page, "workspace-before-advance");
    await page.getByRole("button", { name: "Advance to Dual write" }).click();
    await page.getByLabel("Reason").fill("Canaries are healthy; starting dual write");
    await page.getByRole("dialog").getByRole("button", { name: "Advance" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Advanced to 1" })).toBeVisible();
    await expect(page.getByTestId("current-stage")).toContainText("Dual write");
    const first = page.getByTestId("transition").first();
    await expect(first).toContainText("advanced");
    await expect(first).toContainText("Canaries are healthy; starting dual write");
    await expect(first).toContainText("operator@example.com");
    await shot(page, "workspace-after-advance");
  });

  test("a failing gate says which check failed and changes nothing", async ({ page, sql }) => {
    const slug = await makeWorkspace(sql, "Gatekeep GmbH", "lead-centric", 1);
    await loginAs(page, "operator");
    await page.goto(`/workspaces/${slug}`);
    await expect(page.getByTestId("live-gate")).toHaveAttribute("data-passed", "false");
    await page.getByRole("button", { name: "Advance to Lead tracking UI" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Advance" }).click();
    const alert = page.getByRole("dialog").getByRole("alert");
    await expect(alert).toContainText("Gate failed: Soak time at current stage");
    await expect(alert).toContainText("limit 1440");
    await expect(page.getByRole("dialog").locator('[data-check="min_samples"]')).toHaveAttribute("data-status", "fail");
    await shot(page, "workspace-gate-failed");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    await expect(page.getByTestId("current-stage")).toContainText("Dual write");
  });

  test("operator rolls back with a reason", async ({ page, sql }) => {
    const slug = await makeWorkspace(sql, "Rollback Inc", "ai-pipeline", 3);
    await loginAs(page, "operator");
    await page.goto(`/workspaces/${slug}?m=ai-pipeline`);
    await page.getByRole("button", { name: "Roll back…" }).click();
    await page.getByLabel("Roll back to").selectOption("1");
    await page.getByLabel("Reason").fill("Quality score dropped after the 50 % step");
    await page.getByRole("dialog").getByRole("button", { name: "Roll back" }).click();
    await expect(page.getByTestId("current-stage")).toContainText("Shadow mode");
    await expect(page.getByTestId("transition").first()).toContainText("rolled back");
    await expect(page.getByTestId("transition").first()).toContainText("Quality score dropped");
  });

  test("wave: preview exactly who moves, then apply", async ({ page, sql }) => {
    const mig = await arrangeMigration(sql, 8);
    await loginAs(page, "operator");
    await page.goto(`/migrations/${mig.key}`);
    await expect(page.getByRole("heading", { name: `Migration ${mig.key}` })).toBeVisible();
    await page.getByLabel("From stage").selectOption("0");
    await page.getByRole("button", { name: "100 %" }).click();
    await page.getByRole("button", { name: "Preview wave" }).click();
    const preview = page.getByTestId("wave-preview");
    await expect(preview).toContainText("Preview");
    await expect(preview.getByText("moves", { exact: true })).toHaveCount(8);
    // A preview writes nothing.
    const atZero = async () => (await sql`select count(*)::int as n from public.workspace_rollouts where migration_id = ${mig.id} and stage = 0`)[0].n;
    expect(await atZero()).toBe(8);
    await shot(page, "migration-wave-preview");
    await page.getByRole("button", { name: /Apply: advance to/ }).click();
    const result = page.getByTestId("wave-result");
    await expect(result).toContainText("Applied");
    await expect(result.getByText("moved", { exact: true })).toHaveCount(8);
    await shot(page, "migration-wave-applied");
    expect(await atZero()).toBe(0);
  });

  test("a long wave shows how far it has got while it runs", async ({ page, sql }) => {
    const mig = await arrangeMigration(sql, 30);
    // Hold the 25th workspace in wave order: the wave waits there, 24 moved, so the
    // panel can be seen mid-way without depending on how fast the machine is.
    const [held] = await sql`select r.workspace_id as id from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
                             where r.migration_id = ${mig.id}
                             order by app_private.wave_order_key(${mig.id}::uuid, r.workspace_id, w.is_canary) offset 24 limit 1`;
    const conn = await sql.reserve();
    try {
      await conn`begin`;
      await conn`select 1 from public.workspaces where id = ${held.id} for update`;
      await loginAs(page, "operator");
      await page.goto(`/migrations/${mig.key}`);
      await page.getByLabel("From stage").selectOption("0");
      await page.getByRole("button", { name: "100 %" }).click();
      await page.getByRole("button", { name: "Preview wave" }).click();
      await expect(page.getByTestId("wave-preview").getByText("moves", { exact: true })).toHaveCount(30);
      await page.getByRole("button", { name: /Apply: advance to/ }).click();
      const progress = page.getByTestId("bulk-progress");
      await expect(progress).toContainText("21 of 30");
      await expect(progress).toContainText("21 moved");
      await expect(page.getByRole("button", { name: "Working…" })).toBeDisabled();
      await shot(page, "migration-wave-progress");
      await page.setViewportSize({ width: 390, height: 844 });
      await shot(page, "migration-wave-progress-phone");
    } finally {
      await conn`commit`.catch(() => {});
      conn.release();
    }
    await expect(page.getByTestId("wave-result").getByText("moved", { exact: true })).toHaveCount(30);
    await expect(page.getByTestId("bulk-progress")).toHaveCount(0);
  });

  test("a viewer sees no enabled controls, and a forged server action as viewer is refused", async ({ page, browser, sql }) => {
    const slug = await makeWorkspace(sql, "Forgery Co", "lead-centric", 0);
    // Capture a real advance request made by an operator…
    await loginAs(page, "operator");
    await page.goto(`/workspaces/${slug}`);
    const captured = page.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"]));
    await page.getByRole("button", { name: "Advance to Dual write" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Advance" }).click();
    const req = await captured;
    await expect(page.getByTestId("current-stage")).toContainText("Dual write");
    const [{ version }] = await sql`select version::text as version from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id where w.slug = ${slug}`;

    // …then a viewer sees disabled controls and replays the same action with their own session.
    const ctx = await browser.newContext();
    const viewer = await ctx.newPage();
    await loginAs(viewer, "viewer");
    await viewer.goto(`/workspaces/${slug}`);
    await expect(viewer.getByRole("button", { name: /Advance to/ })).toBeDisabled();
    await expect(viewer.getByRole("button", { name: "Roll back…" })).toBeDisabled();
    await expect(viewer.getByRole("button", { name: "Pause" })).toBeDisabled();
    await expect(viewer.getByText("You have read-only access (viewer).")).toBeVisible();
    await shot(viewer, "workspace-viewer");
    const body = (req.postData() ?? "").replace('"expectedStage":0', '"expectedStage":1').replace(/"expectedVersion":"\d+"/, `"expectedVersion":"${version}"`);
    const res = await viewer.request.post(`/workspaces/${slug}`, {
      headers: { "next-action": req.headers()["next-action"], "content-type": req.headers()["content-type"] ?? "text/plain;charset=UTF-8", accept: "text/x-component" },
      data: body,
    });
    const text = await res.text();
    expect(text).toContain("Not allowed: this needs an operator role; you are a viewer.");
    const [{ stage }] = await sql`select stage from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id where w.slug = ${slug}`;
    expect(stage).toBe(1);
    await ctx.close();
  });

  test("select workspaces in the migration table, preview, and advance them by hand", async ({ page, sql }) => {
    const slugA = await makeWorkspace(sql, "Pick One", "ai-pipeline", 0);
    const slugB = await makeWorkspace(sql, "Pick Two", "ai-pipeline", 0);
    await loginAs(page, "operator");
    await page.goto("/migrations/ai-pipeline");
    await page.getByRole("checkbox", { name: "Select Pick One" }).check();
    await page.getByRole("checkbox", { name: "Select Pick Two" }).check();
    await page.getByRole("button", { name: "Preview advance" }).click();
    await expect(page.getByTestId("selected-preview")).toContainText("2 would move");
    await page.getByRole("button", { name: "Advance selected one stage" }).click();
    await expect(page.getByTestId("selected-result")).toContainText("2 moved");
    await shot(page, "migration-selected-advance");
    const rows = await sql`select w.slug, r.stage from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id
                           join public.migrations m on m.id = r.migration_id where m.key = 'ai-pipeline' and w.slug in (${slugA}, ${slugB})`;
    expect(rows.map((r) => r.stage)).toEqual([1, 1]);
  });
});
