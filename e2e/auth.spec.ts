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

  test("sign-out ends the session on the server: the old cookie, replayed, is refused", async ({ page, browser }) => {
    await loginAs(page, "operator");
    const cookie = (await page.context().cookies()).find((c) => c.name === "rc_session")!;
    await page.getByRole("button", { name: "Sign out", exact: true }).click();
    await expect(page).toHaveURL(/\/login/);
    await page.goto("/");
    await expect(page).toHaveURL(/\/login/);
    // Someone who kept a copy of the cookie gets nothing with it.
    const other = await browser.newContext();
    await other.addCookies([{ ...cookie }]);
    const replay = await other.newPage();
    await replay.goto("/audit");
    await expect(replay).toHaveURL(/\/login/);
    await other.close();
  });

  test("sign out everywhere ends the user's other sessions", async ({ page, browser }) => {
    const second = await browser.newContext();
    const other = await second.newPage();
    await loginAs(other, "viewer");
    await loginAs(page, "viewer");
    await shot(page, "header-sign-out-1440");
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, "header-sign-out-390");
    await page.getByRole("button", { name: "Sign out everywhere" }).click();
    await expect(page).toHaveURL(/\/login/);
    await other.goto("/flags");
    await expect(other).toHaveURL(/\/login/);
    await second.close();
  });

  // Class: open redirect. `next` is resolved against our own origin; anything that
  // would leave it (tabs and newlines dropped by browsers, backslashes, encoded
  // slashes, schemes, non-ASCII) lands on the overview, and sign-in never answers 500.
  for (const next of ["/\t/evil.example/path", "//evil.example", "/\\evil.example", "https://evil.example/", "/%0d%0aSet-Cookie:x=1", "/\r\n/evil.example", "/é/evil", "javascript:alert(1)", "/%09/evil.example", "/.//evil.example"]) {
    test(`sign-in with next=${JSON.stringify(next)} stays on this origin`, async ({ page, baseURL }) => {
      await page.goto(`/login?next=${encodeURIComponent(next)}`);
      await page.getByLabel("Email").fill(USERS.viewer);
      await page.getByLabel("Password").fill(DEMO_PASSWORD);
      const answer = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/login");
      await page.getByRole("button", { name: "Sign in" }).click();
      expect((await answer).status()).toBeLessThan(500);
      // Signed in and sent on: to the overview, or (for a percent-encoded value, which
      // stays a harmless path segment) to that path on this origin.
      await expect(page).not.toHaveURL(/\/login/);
      expect(new URL(page.url()).origin).toBe(new URL(baseURL!).origin);
      if (!next.includes("%")) await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    });
  }
});

test.describe("overview filters", () => {
  test("filter by stage, status, health and canary, and sort", async ({ page, sql }) => {
    await loginAs(page, "viewer");
    await page.getByLabel("Canary").selectOption("yes");
    await page.getByRole("button", { name: "Apply" }).click();
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
