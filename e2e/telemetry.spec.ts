import { randomBytes, randomUUID } from "node:crypto";
import { hashToken } from "../lib/api/token-hash";
import { expect, loginAs, shot, test } from "./fixtures";

// Telemetry end to end: an admin creates an ingest token in Settings, a service
// posts samples with it, and a viewer watching the workspace page sees them appear
// without reloading. Then the token is revoked and refused at once.
test("samples sent through the API appear on the workspace chart; a revoked token is refused", async ({ browser, sql, request }) => {
  const slug = `e2e-tel-${randomUUID().slice(0, 8)}`;
  const [ws] = await sql`insert into public.workspaces (slug, name, tier) values (${slug}, ${`E2E Telemetry ${slug}`}, 'pro') returning id`;
  const [mig] = await sql`select id from public.migrations where key = 'lead-centric'`;
  await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage) values (${ws.id}, ${mig.id}, 1)`;

  // Admin: create a token (shown once).
  const adminPage = await (await browser.newContext()).newPage();
  await loginAs(adminPage, "admin");
  await adminPage.goto("/settings");
  await adminPage.getByLabel("Name").fill("e2e service");
  await adminPage.getByRole("button", { name: "Create token" }).click();
  const token = (await adminPage.getByTestId("new-token-value").textContent())!.trim();
  expect(token).toMatch(/^rc_[A-Za-z0-9_-]{43}$/);
  await expect(adminPage.getByTestId("token-row").filter({ hasText: "e2e service" })).toBeVisible();
  await shot(adminPage, "settings-token-created");

  // Viewer: the empty state explains how to send the first sample.
  const page = await (await browser.newContext()).newPage();
  await loginAs(page, "viewer");
  await page.goto(`/workspaces/${slug}`);
  await expect(page.getByTestId("telemetry-empty")).toBeVisible();
  await expect(page.getByTestId("telemetry-empty")).toContainText(`"workspace":"${slug}"`);
  await shot(page, "telemetry-empty");

  // The service sends a batch.
  const now = Date.now();
  const samples = [];
  for (let i = 0; i < 60; i++) {
    // Spread over 40 minutes: several buckets at every range, so each chart draws a line.
    const time = new Date(now - (60 - i) * 40_000).toISOString();
    for (const variant of ["old", "new"] as const) {
      samples.push({ workspace: slug, migration: "lead-centric", variant, metric: "latency_ms", value: (variant === "new" ? 150 : 180) + (i % 10) * 5, time });
      samples.push({ workspace: slug, migration: "lead-centric", variant, metric: "error", value: i % 20 === 0 ? 1 : 0, time });
      samples.push({ workspace: slug, migration: "lead-centric", variant, metric: "success", value: i % 20 === 0 ? 0 : 1, time });
    }
  }
  const res = await request.post("/api/v1/metrics", { headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, data: samples });
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ accepted: 360, replayed: false });

  // No reload: the panel polls and draws the points.
  await expect(page.getByTestId("telemetry-totals")).toContainText("Requests", { timeout: 10_000 });
  await expect(page.getByTestId("telemetry-totals")).toContainText("new 60");
  await expect(page.getByTestId("chart-latency").locator("path.recharts-line-curve").first()).toBeVisible();
  // The last hour at one-minute resolution shows the batch point by point.
  await page.getByRole("group", { name: "Time range" }).getByRole("button", { name: "1h" }).click();
  await expect(page.getByText("This workspace · 1 hour")).toBeVisible();
  await expect(page.getByTestId("chart-latency").locator("path.recharts-line-curve").first()).toBeVisible();
  await shot(page, "telemetry-workspace");

  // Revoke: the very next batch is refused.
  adminPage.on("dialog", (d) => d.accept());
  await adminPage.getByRole("button", { name: "Revoke e2e service" }).click();
  await expect(adminPage.getByTestId("token-row").filter({ hasText: "e2e service" })).toContainText("revoked");
  const refused = await request.post("/api/v1/metrics", { headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, data: samples.slice(0, 3) });
  expect(refused.status()).toBe(401);
});

// OpenTelemetry's OTLP/HTTP through the running app (its own path, outside /api):
// a Collector or SDK posts, the samples land like any others; refusals stay precise.
test("OTLP/HTTP metrics posted to /v1/metrics are stored; no token, a wrong token and a wrong type are refused", async ({ sql, request }) => {
  const slug = `e2e-otlp-${randomUUID().slice(0, 8)}`;
  const [ws] = await sql`insert into public.workspaces (slug, name, tier) values (${slug}, ${`E2E OTLP ${slug}`}, 'pro') returning id`;
  const [mig] = await sql`select id from public.migrations where key = 'lead-centric'`;
  await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage) values (${ws.id}, ${mig.id}, 1)`;
  const raw = `rc_${randomBytes(32).toString("base64url")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix, workspace_ids)
            values (${`otlp ${slug}`}, ${hashToken(raw)}, ${raw.slice(0, 10)}, ${[ws.id]}::uuid[])`;
  const nanos = String(BigInt(Date.now()) * 1_000_000n);
  const attr = (key: string, value: string) => ({ key, value: { stringValue: value } });
  const body = {
    resourceMetrics: [{
      resource: { attributes: [attr("service.name", "e2e"), attr("rollout.workspace", slug), attr("rollout.migration", "lead-centric")] },
      scopeMetrics: [{ metrics: [{ name: "quality", gauge: { dataPoints: (["old", "new"] as const).map((v) => ({ attributes: [attr("rollout.variant", v)], timeUnixNano: nanos, asDouble: v === "new" ? 0.9 : 0.8 })) } }] }],
    }],
  };
  const post = (headers: Record<string, string>, data: unknown = body) =>
    request.post("/v1/metrics", { headers: { "content-type": "application/json", ...headers }, data: typeof data === "string" ? data : JSON.stringify(data), failOnStatusCode: false });

  const ok = await post({ authorization: `Bearer ${raw}` });
  expect(ok.status()).toBe(200);
  const answer = (await ok.json()) as { partialSuccess?: { rejectedDataPoints?: string | number } };
  expect(Number(answer.partialSuccess?.rejectedDataPoints ?? 0)).toBe(0);
  const stored = await sql`select variant, value from public.performance_metrics where workspace_id = ${ws.id} and metric = 'quality' order by variant`;
  expect(stored.map((r) => [r.variant, r.value])).toEqual([["new", 0.9], ["old", 0.8]]);

  expect((await post({})).status()).toBe(401);
  expect((await post({ authorization: "Bearer rc_not-a-real-token" })).status()).toBe(401);
  expect((await post({ authorization: `Bearer ${raw}`, "content-type": "text/plain" }, "hello")).status()).toBe(415);
  expect((await post({ authorization: `Bearer ${raw}` }, "{not json")).status()).toBe(400);
  const [{ n }] = await sql`select count(*)::int as n from public.performance_metrics where workspace_id = ${ws.id}`;
  expect(n).toBe(2);
});
