import { randomUUID } from "node:crypto";
import { test as base, expect, type Page } from "@playwright/test";
import postgres from "postgres";

export const DEMO_PASSWORD = "rollout-demo-2026";
export const USERS = {
  admin: "admin@example.com",
  operator: "operator@example.com",
  viewer: "viewer@example.com",
} as const;
export type Role = keyof typeof USERS;

/** Signs in through the real sign-in form and waits for the overview. */
export async function loginAs(page: Page, role: Role) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(USERS[role]);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
}

/** Waits until React has hydrated the page (the providers mark <html>). */
export async function hydrated(page: Page) {
  await page.locator("html[data-hydrated=true]").waitFor({ state: "attached" });
}

/** Saves a screenshot under e2e/screenshots/ (kept as a CI artifact), once the page is interactive. */
export async function shot(page: Page, name: string) {
  await hydrated(page);
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });
}

// Console messages that are expected and not a fault of the page: the browser
// logs a refused resource (a 4xx/5xx answer some tests provoke on purpose).
const BENIGN = [/Failed to load resource: the server responded with a status of (4\d\d|503)/];

/**
 * Direct database access for fixtures that arrange their own data, and a guard:
 * a test fails on any console error, React hydration warning or uncaught page error.
 */
export const test = base.extend<{ sql: postgres.Sql; consoleGuard: void }>({
  sql: async ({}, provide) => {
    const sql = postgres(process.env.E2E_DATABASE_URL!, { max: 2, onnotice: () => {} });
    await provide(sql);
    await sql.end();
  },
  consoleGuard: [
    async ({ page }, provide, testInfo) => {
      const problems: string[] = [];
      page.on("console", (m) => {
        const text = m.text();
        const hydration = /hydrat/i.test(text);
        if ((m.type() === "error" || hydration) && !BENIGN.some((re) => re.test(text))) problems.push(`console.${m.type()}: ${text.slice(0, 500)}`);
      });
      page.on("pageerror", (e) => problems.push(`page error: ${e.message.slice(0, 500)}`));
      await provide();
      if (problems.length && testInfo.status === testInfo.expectedStatus) {
        throw new Error(`The page logged ${problems.length} error(s):\n${problems.join("\n")}`);
      }
    },
    { auto: true },
  ],
});

export { expect };

/**
 * A migration of its own (fresh on every attempt, so a retry never meets the first
 * attempt's moves) with three gate-free stages and `n` workspaces that entered
 * stage 0 ten days ago, the first two canaries.
 */
export async function arrangeMigration(sql: postgres.Sql, n: number) {
  const key = `e2e-mig-${randomUUID().slice(0, 8)}`;
  const [m] = await sql`insert into public.migrations (key, name, description) values (${key}, ${"Migration " + key}, 'End-to-end test') returning id`;
  for (const [i, name] of ["Off", "Shadow", "On"].entries()) {
    await sql`insert into public.migration_stages (migration_id, position, key, name) values (${m.id}, ${i}, ${"s" + i}, ${name})`;
  }
  for (let i = 0; i < n; i++) {
    const slug = `p-${randomUUID().slice(0, 10)}`;
    const [w] = await sql`insert into public.workspaces (slug, name, is_canary) values (${slug}, ${"E2E ws " + i}, ${i < 2}) returning id`;
    await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at) values (${w.id}, ${m.id}, 0, now() - interval '10 days')`;
  }
  return { key, id: m.id as string };
}
