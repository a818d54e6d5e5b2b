import { createHash, randomBytes } from "node:crypto";
import type postgres from "postgres";
import { expect, hydrated, loginAs, shot, test } from "./fixtures";

const uid = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function makeWorkspace(sql: postgres.Sql, name: string, migrationKey: string, stage: number, minutesAgo = 0) {
  const slug = `e2e-${name.toLowerCase().replace(/\W+/g, "-")}-${uid()}`;
  const [w] = await sql`insert into public.workspaces (slug, name, tier) values (${slug}, ${name}, 'pro') returning id`;
  await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at)
            select ${w.id}, id, ${stage}, now() - make_interval(mins => ${minutesAgo}) from public.migrations where key = ${migrationKey}`;
  return { slug, id: w.id as string };
}

test.describe("overview summary", () => {
  test("counts ready and blocked workspaces per migration, and each number filters the table", async ({ page, sql }) => {
    const name = `Ready ${uid()}`;
    const blockedName = `Soaking ${uid()}`;
    await makeWorkspace(sql, name, "ai-pipeline", 0);
    await makeWorkspace(sql, blockedName, "ai-pipeline", 2);
    await loginAs(page, "viewer");
    const card = page.getByTestId("summary-ai-pipeline");
    await expect(card).toBeVisible();
    await shot(page, "overview-summary");

    // Readiness is recomputed in the background after a change (a view waits for it at
    // most 100 ms), so the first view after the inserts may still show the counts from
    // before them. Once it has caught up, the number shown is exactly the table it opens.
    await expect(async () => {
      await page.goto("/");
      const ready = Number(await card.getByTestId("ready-ai-pipeline-count").textContent());
      expect(ready).toBeGreaterThan(0);
      await card.getByTestId("ready-ai-pipeline").getByRole("link").first().click();
      await expect(page).toHaveURL(/gate=ready/);
      await expect(page.getByTestId("summary-filter")).toContainText("ready to advance");
      await expect(page.getByTestId("overview-row").filter({ hasText: name })).toHaveCount(1, { timeout: 2_000 });
      await expect(page.getByRole("heading", { name: `Workspaces (${ready})` })).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 60_000 });
    await expect(page.getByTestId("overview-row").filter({ hasText: blockedName })).toHaveCount(0);

    await page.goto("/");
    await page.getByTestId("summary-ai-pipeline").locator('[data-check="soak_time"]').click();
    await expect(page).toHaveURL(/gate=blocked-soak_time/);
    await expect(page.getByTestId("overview-row").filter({ hasText: blockedName })).toHaveCount(1);
    await expect(page.getByTestId("overview-row").filter({ hasText: name })).toHaveCount(0);

    // Stage chips filter by stage; the search applies as you type.
    await page.goto("/");
    await page.getByTestId("summary-ai-pipeline").getByRole("link", { name: /at stage 2,/ }).click();
    await expect(page).toHaveURL(/at=ai-pipeline%3A2|at=ai-pipeline:2/);
    await page.getByLabel("Search workspaces").fill(blockedName);
    await expect(page.getByTestId("overview-row")).toHaveCount(1);
    await expect(page.getByTestId("overview-row")).toContainText(blockedName);
  });
});

test.describe("stopped migration", () => {
  async function makeMigration(sql: postgres.Sql) {
    const key = `e2e-stop-${uid()}`;
    const [m] = await sql`insert into public.migrations (key, name, description) values (${key}, ${"Stop test " + key.slice(-6)}, 'e2e') returning id`;
    for (const [i, n] of ["Off", "On"].entries()) {
      await sql`insert into public.migration_stages (migration_id, position, key, name) values (${m.id}, ${i}, ${n.toLowerCase()}, ${n})`;
    }
    for (const n of ["one", "two"]) {
      const [w] = await sql`insert into public.workspaces (slug, name, tier) values (${`e2e-${n}-${uid()}`}, ${`Stop ${n} ${uid()}`}, 'pro') returning id`;
      await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage) values (${w.id}, ${m.id}, 1)`;
    }
    const [f] = await sql`select id, version from public.create_feature_flag(${`e2e_stop_${uid()}`}, 'e2e', ${m.id}, 1, 10000, 'e2e')`;
    await sql`select public.set_flag_rollout(${f.id}, ${f.version}, true, 10000, 'e2e')`;
    return { key, id: m.id as string, flag: f.id as string };
  }

  /** Stops the migration as the demo operator, through the same SQL function the button calls. */
  async function stopAsOperator(sql: postgres.Sql, migrationId: string, reason: string) {
    const [op] = await sql`select id, email from auth.users where email = 'operator@example.com'`;
    await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
                      set_config('request.jwt.claims', ${JSON.stringify({ sub: op.id, email: op.email, role: "authenticated" })}, true)`;
      await tx`select public.emergency_stop(${migrationId}, ${reason})`;
    });
  }

  test("an operator stops it and sees who, when and why; only an admin may resume", async ({ page, sql }) => {
    const m = await makeMigration(sql);
    await loginAs(page, "operator");
    await page.goto(`/migrations/${m.key}`);
    await page.getByRole("button", { name: "Emergency stop" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Reason").fill("Checkout errors after the 3.2 deploy");
    await dialog.getByLabel(/Type .* to confirm/).fill(m.key);
    await dialog.getByRole("button", { name: "Stop everything" }).click();
    const banner = page.getByTestId("stop-banner");
    await expect(banner).toContainText("This migration is stopped");
    await expect(banner).toContainText("operator@example.com");
    await expect(banner).toContainText("Checkout errors after the 3.2 deploy");
    await expect(banner).toContainText("Only an admin can resume the migration");
    await expect(page.getByRole("button", { name: "Emergency stop" })).toBeDisabled();
    await expect(banner.getByRole("button", { name: "Resume migration…" })).toBeDisabled();
    await shot(page, "migration-stopped-operator");
    await expect.poll(async () => (await sql`select status from public.workspace_rollouts where migration_id = ${m.id}`).map((r) => r.status).join()).toBe("paused,paused");
  });

  test("a viewer sees the same banner with nothing to press", async ({ page, sql }) => {
    const m = await makeMigration(sql);
    await stopAsOperator(sql, m.id, "Viewer check");
    await loginAs(page, "viewer");
    await page.goto(`/migrations/${m.key}`);
    await expect(page.getByTestId("stop-banner")).toContainText("Viewer check");
    await expect(page.getByTestId("stop-banner").getByRole("button", { name: "Resume migration…" })).toBeDisabled();
    await expect(page.getByRole("button", { name: "Emergency stop" })).toBeDisabled();
  });

  test("an admin resumes it with a typed confirmation: workspaces un-paused at stage 0, flags restored, audited", async ({ page, sql }) => {
    const m = await makeMigration(sql);
    await stopAsOperator(sql, m.id, "Admin resume check");
    await loginAs(page, "admin");
    await page.goto(`/migrations/${m.key}`);
    await hydrated(page);
    await page.getByRole("button", { name: "Resume migration…" }).click();
    const d = page.getByRole("dialog");
    await d.getByLabel("Reason").fill("Fixed in 3.2.1");
    await expect(d.getByRole("button", { name: "Resume migration" })).toBeDisabled(); // typed confirmation missing
    await d.getByLabel(/Type .* to confirm/).fill(m.key);
    await d.getByRole("button", { name: "Resume migration" }).click();
    await expect(page.getByTestId("stop-banner")).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Emergency stop" })).toBeEnabled();
    const rows = await sql`select status, stage from public.workspace_rollouts where migration_id = ${m.id}`;
    expect(rows.every((r) => r.status === "active" && r.stage === 0)).toBe(true);
    const [flag] = await sql`select killed from public.feature_flags where id = ${m.flag}`;
    expect(flag.killed).toBe(false);
    const [audit] = await sql`select actor_email from public.audit_events where action = 'migration.resume' and target_id = ${m.id}`;
    expect(audit.actor_email).toBe("admin@example.com");
  });
});

test.describe("gate forecast", () => {
  test("each failing check says what is missing and when it should pass; the operator is told an admin can override", async ({ page, sql, request }) => {
    test.setTimeout(120_000);
    const w = await makeWorkspace(sql, `Forecast ${uid()}`, "lead-centric", 1, 60);
    const token = `rc_${randomBytes(24).toString("base64url")}`;
    await sql`insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids)
              values ('e2e forecast', ${createHash("sha256").update(token).digest("hex")}, ${token.slice(0, 10)}, ${[w.id]})`;
    const samples = [];
    const now = Date.now();
    for (let i = 0; i < 100; i++) {
      const time = new Date(now - (i % 30) * 60_000).toISOString();
      for (const variant of ["old", "new"]) {
        samples.push({ workspace: w.slug, migration: "lead-centric", variant, metric: "latency_ms", value: 100 + (i % 20), time });
        samples.push({ workspace: w.slug, migration: "lead-centric", variant, metric: "error", value: 0, time });
      }
    }
    const res = await request.post("/api/v1/metrics", { headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, data: { samples } });
    expect(res.status(), await res.text()).toBe(200);

    await loginAs(page, "operator");
    await page.goto(`/workspaces/${w.slug}`);
    const gate = page.getByTestId("live-gate");
    await expect(gate).toHaveAttribute("data-passed", "false");
    const samplesCheck = gate.locator('[data-check="min_samples"]');
    await expect(samplesCheck.getByTestId("check-forecast")).toContainText("400 old and 400 new samples missing");
    await expect(samplesCheck.getByTestId("check-forecast")).toContainText("Should pass in");
    await expect(gate.locator('[data-check="soak_time"]').getByTestId("check-forecast")).toContainText("more at this stage");
    await expect(page.getByTestId("gate-eta")).toContainText("should pass in");
    await expect(page.getByTestId("gate-eta")).toContainText("An admin can override");
    await expect(page.getByRole("button", { name: /Advance to Lead tracking UI/ })).toHaveAttribute("data-gate", "fails");
    await page.getByRole("button", { name: /Advance to/ }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Advance" }).click();
    await expect(page.getByRole("dialog").getByTestId("override-hint")).toContainText("Only an admin can override");
    await shot(page, "workspace-gate-forecast");
  });
});

test.describe("small screens", () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test("a menu button opens the navigation; nothing overflows the screen", async ({ page }) => {
    await loginAs(page, "operator");
    await hydrated(page);
    await expect(page.getByRole("navigation", { name: "Main" })).toBeHidden();
    await page.getByRole("button", { name: "Menu" }).click();
    const nav = page.getByRole("dialog", { name: "Navigation" });
    await expect(nav.getByRole("link", { name: "Alerts" })).toBeVisible();
    // Focus stays inside the open dialog.
    for (let i = 0; i < 10; i++) await page.keyboard.press("Tab");
    expect(await nav.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await shot(page, "mobile-nav-open");
    await nav.getByRole("link", { name: "Alerts" }).click();
    await expect(page).toHaveURL(/\/alerts/);
    await expect(page.getByRole("heading", { name: "Alerts", level: 1 })).toBeVisible();
    await expect(page.getByRole("dialog", { name: "Navigation" })).toBeHidden();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});
