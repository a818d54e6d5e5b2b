import { createHash, randomBytes } from "node:crypto";
import { expect, loginAs, shot, test } from "./fixtures";

// The Flags pages by role, the rollout preview, the kill switches with typed
// confirmation, and the state API seeing each change on the next request.
test.describe("flags", () => {
  test("a viewer sees the flags and their history but cannot change them", async ({ page, sql }) => {
    await loginAs(page, "viewer");
    await page.goto("/flags");
    await expect(page.getByRole("heading", { name: "Flags", exact: true })).toBeVisible();
    const [{ n }] = await sql`select count(*)::int as n from public.feature_flags`;
    await expect(page.getByTestId("flag-row")).toHaveCount(n);
    await expect(page.getByRole("button", { name: "New flag" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: /Kill all/ }).first()).toBeDisabled();
    await shot(page, "flags-list-viewer");
    await page.getByRole("link", { name: "ai_pipeline_v2" }).click();
    await expect(page.getByRole("button", { name: "Save rollout" })).toBeDisabled();
    await expect(page.getByRole("button", { name: "Kill switch" })).toBeDisabled();
    await expect(page.getByTestId("flag-change").first()).toBeVisible();
  });

  test("an operator widens a rollout with a preview, and the state API shows it at once", async ({ page, sql }) => {
    const raw = `rc_${randomBytes(16).toString("hex")}`;
    await sql`insert into public.ingest_tokens (name, token_hash, prefix, scopes)
              values ('e2e', ${createHash("sha256").update(raw).digest("hex")}, ${raw.slice(0, 8)}, ${["state:read"]})`;
    const [ws] = await sql`select w.slug from public.workspaces w join public.workspace_rollouts r on r.workspace_id = w.id
                           join public.migrations m on m.id = r.migration_id where m.key = 'ai-pipeline' and r.stage >= 2 order by w.slug limit 1`;
    const state = (init: RequestInit = {}) => page.request.get(`/api/v1/workspaces/${ws.slug}/state?unit=e2e-user-7`, { headers: { authorization: `Bearer ${raw}`, ...(init.headers as Record<string, string>) } });
    const first = await state();
    expect(first.status()).toBe(200);
    const etag = first.headers()["etag"];
    expect((await state({ headers: { "if-none-match": etag } })).status()).toBe(304);

    await loginAs(page, "operator");
    await page.goto("/flags/ai_pipeline_v2");
    await page.getByLabel("Rollout (% of units)").fill("100");
    await expect(page.getByTestId("rollout-preview")).toContainText("only adds units");
    await page.getByLabel("Reason (recorded in the history)").fill("error rate flat for a day");
    await shot(page, "flag-edit-preview");
    await page.getByRole("button", { name: "Save rollout" }).click();
    await expect(page.getByRole("status")).toContainText("Saved");
    await expect(page.getByTestId("flag-change").first()).toContainText("25 % → 100 %");
    await expect(page.getByTestId("flag-change").first()).toContainText("operator@example.com");

    const after = await state({ headers: { "if-none-match": etag } });
    expect(after.status()).toBe(200);
    expect((await after.json()).flags.ai_pipeline_v2).toMatchObject({ value: true, rolloutBps: 10000 });
    await shot(page, "flag-detail-history");
  });

  test("the kill switch needs the typed flag key, and the migration kill switch kills every flag", async ({ page }) => {
    await loginAs(page, "operator");
    await page.goto("/flags/lead_tracking_ui");
    await page.getByRole("button", { name: "Kill switch" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Reason").fill("Lead screens crash on Safari");
    await expect(dialog.getByRole("button", { name: "Kill flag" })).toBeDisabled();
    await dialog.getByLabel(/Type .* to confirm/).fill("lead_tracking_ui");
    await shot(page, "flag-kill-confirm");
    await dialog.getByRole("button", { name: "Kill flag" }).click();
    await expect(page.getByRole("heading", { level: 1 })).toContainText("killed");
    await expect(page.getByRole("button", { name: "Lift kill switch" })).toBeVisible();

    await page.goto("/flags");
    await page.getByRole("button", { name: "Kill all Lead-centric CRM flags" }).click();
    const d2 = page.getByRole("dialog");
    await d2.getByLabel("Reason").fill("Data loss reported in dual write");
    await d2.getByLabel(/Type .* to confirm/).fill("lead-centric");
    await d2.getByRole("button", { name: "Kill all flags" }).click();
    await expect(page.getByRole("status")).toContainText("Flags killed");
    for (const key of ["lead_dual_write", "lead_tracking_ui", "multi_lead_contacts"]) {
      await expect(page.getByTestId("flag-row").filter({ hasText: key })).toContainText("killed");
    }
    await shot(page, "flags-list-killed");
  });

  test("an admin creates a flag that starts disabled", async ({ page }) => {
    await loginAs(page, "admin");
    await page.goto("/flags");
    await page.getByRole("button", { name: "New flag" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Key").fill("lead_export_v2");
    await dialog.getByLabel("Description").fill("New CSV export of leads");
    await dialog.getByLabel("Follows migration").selectOption({ label: "Lead-centric CRM" });
    await dialog.getByLabel("On from stage").selectOption("2");
    await dialog.getByLabel(/Rollout/).fill("12.5");
    await shot(page, "flag-create");
    await dialog.getByRole("button", { name: "Create flag" }).click();
    await expect(page).toHaveURL(/\/flags\/lead_export_v2$/);
    await expect(page.getByRole("heading", { level: 1 })).toContainText("disabled");
    await expect(page.getByTestId("flag-change").first()).toContainText("Created (disabled, 12.5 %)");
  });
});
