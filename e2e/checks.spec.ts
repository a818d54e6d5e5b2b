import { expect, loginAs, test } from "./fixtures";

// The gate checklist shows the sequential checks' evidence: estimate, interval and
// the word "inconclusive" with how many more samples would settle it.
test("the gate checklist shows intervals and an inconclusive p95 check", async ({ page, sql }) => {
  const slug = `e2e-evidence-${Date.now().toString(36)}`;
  const [w] = await sql`insert into public.workspaces (slug, name, tier) values (${slug}, 'Evidence GmbH', 'pro') returning id`;
  const [m] = await sql`select id from public.migrations where key = 'ai-pipeline'`;
  // stage 1 (shadow) entered two days ago: the next gate (10 % traffic) asks for 500 samples, p95 ≤ 1.2 × old, errors ≤ 1 %
  await sql`insert into public.workspace_rollouts (workspace_id, migration_id, stage, entered_at) values (${w.id}, ${m.id}, 1, now() - interval '2 days')`;
  const n = 600;
  const values: number[] = [], isNew: boolean[] = [], metric: number[] = [];
  for (let i = 0; i < n; i++) {
    const base = 100 * (0.6 + (((i * 7919) % 100) / 100) * 0.8);
    values.push(base, base * 1.17, 0, 0);
    isNew.push(false, true, false, true);
    metric.push(1, 1, 2, 2);
  }
  const now = Date.now() / 1000 - 60;
  await sql`select app_private.store_metrics(${[w.id]}::uuid[], ${[m.id]}::uuid[], ${["latency_ms", "error"]}::text[],
    ${values.map(() => 1)}::int[], ${values.map(() => 1)}::int[], ${metric}::int[], ${isNew.map((b) => (b ? "t" : "f"))}::text[]::boolean[], ${values}::float8[], ${values.map(() => now)}::float8[])`;

  await loginAs(page, "viewer");
  for (const [width, name] of [[1440, "gate-evidence-1440"], [390, "gate-evidence-390"]] as const) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`/workspaces/${slug}?m=ai-pipeline`);
    const gate = page.getByTestId("live-gate");
    await expect(gate).toHaveAttribute("data-passed", "false");
    const p95 = gate.locator('[data-check="p95_ratio"]');
    await expect(p95).toHaveAttribute("data-status", "inconclusive");
    await expect(p95.getByTestId("check-interval")).toContainText(/\[1\.\d+, 1\.\d+\]/);
    // (no samples-needed estimate here: 1.17 sits within the histogram's resolution of the 1.2 limit)
    await expect(p95.getByTestId("check-summary")).toContainText(/p95 latency new\/old 1\.\d+ \[1\.\d+, 1\.\d+\] \(limit <= 1\.200\), inconclusive/);
    await gate.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `e2e/screenshots/${name}.png`, fullPage: true });
  }
});
