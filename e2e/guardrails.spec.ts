import { createHash, randomBytes } from "node:crypto";
import { expect, loginAs, shot, test } from "./fixtures";

// A regression sent through the public API rolls the workspace back by itself;
// the open workspace page shows it without a reload; an operator handles the alert.
test("a regression through the API rolls the workspace back live, and the alert is acknowledged and resolved", async ({ page, sql, request }) => {
  // Unique per attempt: a retry never meets the first attempt's workspace or alert.
  const suffix = randomBytes(4).toString("hex");
  const slug = `e2e-guard-${suffix}`;
  const name = `Regression ${suffix}`;
  const [w] = await sql`insert into public.workspaces (slug, name, tier) values (${slug}, ${name}, 'pro') returning id`;
  await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at)
            select ${w.id}, id, 3, now() - interval '3 days' from public.migrations where key = 'ai-pipeline'`;
  const token = `rc_${randomBytes(24).toString("base64url")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids)
            values ('e2e guardrails', ${createHash("sha256").update(token).digest("hex")}, ${token.slice(0, 10)}, ${[w.id]})`;

  await loginAs(page, "operator");
  await page.goto(`/workspaces/${slug}?m=ai-pipeline`);
  await expect(page.getByTestId("current-stage")).toContainText("50 % traffic");
  await expect(page.getByText("Live", { exact: true })).toBeVisible();

  // 400 requests per variant; the new pipeline is twice as slow.
  const samples = [];
  for (let i = 0; i < 400; i++) {
    const base = 120 + (i % 50);
    samples.push({ workspace: slug, migration: "ai-pipeline", variant: "old", metric: "latency_ms", value: base });
    samples.push({ workspace: slug, migration: "ai-pipeline", variant: "new", metric: "latency_ms", value: base * 2 });
  }
  const res = await request.post("/api/v1/metrics", { headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, data: { samples } });
  expect(res.status(), await res.text()).toBe(200);
  expect(await res.json()).toMatchObject({ accepted: 800 });

  // No reload: the page notices the change and re-renders.
  await expect(page.getByTestId("current-stage")).toContainText("10 % traffic", { timeout: 15_000 });
  await expect(page.getByTestId("workspace-alerts")).toContainText("p95 latency regression");
  await expect(page.getByTestId("workspace-alerts")).toContainText("rolled back from stage 3 to 2 and paused");
  await expect(page.getByTestId("transition").first()).toContainText("auto rollback");
  await expect(page.getByTestId("transition").first()).toContainText("system (guardrail)");
  await shot(page, "guardrail-rollback-live");

  await page.goto("/alerts");
  const row = page.getByTestId("alert-row").filter({ hasText: name });
  await expect(row).toContainText("p95 latency regression");
  await shot(page, "alerts-inbox");
  // The alert links to the workspace's charts at the breach, with the rule's limit drawn.
  await row.getByRole("link", { name }).click();
  await expect(page.getByTestId("alert-evaluation")).toBeVisible();
  await expect(page.getByTestId("chart-latency")).toContainText("limit: p95 latency regression");
  await expect(page.getByTestId("chart-latency")).toContainText("breach");
  await page.getByTestId("chart-latency").scrollIntoViewIfNeeded();
  await shot(page, "alert-on-chart");
  await page.goto("/alerts");
  await row.getByRole("button", { name: "Acknowledge" }).click();
  await page.getByRole("dialog").getByLabel("Note (optional)").fill("Looking at the new model's cold starts");
  await page.getByRole("dialog").getByRole("button", { name: "Acknowledge" }).click();
  // The dialog closes once the action has answered: leaving earlier would abort it.
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.goto("/alerts?state=acknowledged");
  const acked = page.getByTestId("alert-row").filter({ hasText: name });
  await expect(acked).toContainText("Acknowledged by operator@example.com");
  await acked.getByRole("button", { name: "Resolve" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Resolve" }).click();
  await expect(page.getByRole("dialog").getByRole("alert")).toContainText("say what was done");
  await page.getByRole("dialog").getByLabel("What was done?").fill("Warm pool added; p95 back to baseline");
  await page.getByRole("dialog").getByRole("button", { name: "Resolve" }).click();
  await expect(page.getByRole("dialog")).toHaveCount(0);
  await page.goto("/alerts?state=resolved");
  await expect(page.getByTestId("alert-row").filter({ hasText: name })).toContainText("Warm pool added");
  await shot(page, "alerts-resolved");
});

test("guardrail rules and the notification delivery log are visible in settings", async ({ page, sql }) => {
  await loginAs(page, "admin");
  await page.goto("/settings/guardrails");
  const [{ rules }] = await sql`select count(*)::int as rules from public.guardrail_rules`;
  await expect(page.getByTestId("rule-row")).toHaveCount(rules);
  await expect(page.getByTestId("rule-row").filter({ hasText: "p95 latency regression" })).toContainText("new / old > 1.2");
  await shot(page, "settings-guardrails");
  await page.goto("/settings/notifications");
  await page.getByLabel("Name").fill("#rollouts");
  await page.getByLabel("Kind").selectOption("webhook");
  await page.getByLabel("URL").fill("http://127.0.0.1:9/hook");
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByRole("status")).toContainText("whsec_");
  await shot(page, "settings-notifications");
});
