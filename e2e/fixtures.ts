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

/** Saves a screenshot under e2e/screenshots/ (kept as a CI artifact). */
export async function shot(page: Page, name: string) {
  await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });
}

/** Direct database access for fixtures that arrange their own data. */
export const test = base.extend<{ sql: postgres.Sql }>({
  sql: async ({}, provide) => {
    const sql = postgres(process.env.E2E_DATABASE_URL!, { max: 2, onnotice: () => {} });
    await provide(sql);
    await sql.end();
  },
});

export { expect };
