import { expect, loginAs, shot, test, USERS, DEMO_PASSWORD } from "./fixtures";

test.describe("sign-in", () => {
  test("a signed-out visitor is sent to sign-in, and back after signing in", async ({ page }) => {
    await page.goto("/audit");
    await expect(page).toHaveURL(/\/login\?next=%2Faudit/);
    await shot(page, "login");
    await page.getByLabel("Email").fill(USERS.viewer);
    await page.getByLabel("Password").fill(DEMO_PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/audit$/);
  });

  test("a wrong password is refused with a message that does not reveal whether the email exists", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Email").fill(USERS.operator);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("form [role=alert]")).toHaveText("Incorrect email or password.");
    await page.getByLabel("Email").fill("nobody@example.com");
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.locator("form [role=alert]")).toHaveText("Incorrect email or password.");
    await shot(page, "login-refused");
    await expect(page).toHaveURL(/\/login/);
  });

  for (const role of ["admin", "operator", "viewer"] as const) {
    test(`${role} lands on the overview with the seeded workspaces and stages`, async ({ page, sql }) => {
      await loginAs(page, role);
      // Other specs add workspaces of their own: count what the database holds now.
      const [{ n }] = await sql`select count(*)::int as n from public.workspaces`;
      await expect(page.getByTestId("current-user")).toHaveText(USERS[role]);
      await expect(page.getByText(role, { exact: true }).first()).toBeVisible();
      const rows = page.getByTestId("overview-row");
      await expect(rows).toHaveCount(Math.min(n, 50));
      // Canaries first, with their stage number and name.
      await expect(rows.first()).toContainText("canary");
      await expect(page.getByRole("columnheader", { name: "Lead-centric CRM" })).toBeVisible();
      await expect(page.getByRole("columnheader", { name: "AI pipeline v2" })).toBeVisible();
      await expect(rows.filter({ hasText: "Acme Internal" })).toContainText("Full lead-centric");
      await shot(page, `overview-${role}`);
    });
  }

  test("search filters workspaces by name", async ({ page }) => {
    await loginAs(page, "viewer");
    await page.getByRole("searchbox", { name: "Search workspaces" }).fill("globex");
    await page.getByRole("searchbox", { name: "Search workspaces" }).press("Enter");
    await expect(page.getByTestId("overview-row")).toHaveCount(1);
    await expect(page.getByTestId("overview-row")).toContainText("Globex Corporation");
  });

  test("sign-out ends the session", async ({ page }) => {
    await loginAs(page, "operator");
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login/);
  });
});

test.describe("overview filters", () => {
  test("filter by stage, status, health and canary, and sort", async ({ page, sql }) => {
    await loginAs(page, "viewer");
    await page.getByLabel("Canary").selectOption("yes");
    const [{ canaries }] = await sql`select count(*)::int as canaries from public.workspaces where is_canary`;
    await expect(page.getByTestId("overview-row")).toHaveCount(Math.min(canaries, 50));
    await page.goto("/?at=lead-centric:0&status=active&sort=name");
    const [{ n }] = await sql`select count(*)::int as n from public.workspace_rollouts r join public.migrations m on m.id = r.migration_id
                              where m.key = 'lead-centric' and r.stage = 0 and r.status = 'active'`;
    await expect(page.getByTestId("overview-row")).toHaveCount(Math.min(n, 50));
    const names = await page.getByTestId("overview-row").locator("td:first-child a").allTextContents();
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b)));
    await page.goto("/?health=critical&canary=no&q=zzz-nothing");
    await expect(page.getByText("No workspace matches these filters")).toBeVisible();
    await shot(page, "overview-filters-empty");
  });
});
