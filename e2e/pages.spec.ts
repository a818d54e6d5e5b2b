import { createHash, randomBytes, randomUUID } from "node:crypto";
import AxeBuilder from "@axe-core/playwright";
import postgres from "postgres";
import { expect, hydrated, loginAs, shot, test, type Role } from "./fixtures";

// Every page, as each role, at 1440 and 390 px: a screenshot (e2e/screenshots/pages-*),
// an accessibility scan with no serious or critical violation, and nothing wider
// than the screen. The console guard (fixtures) fails the test on any error.
const PAGES = [
  { name: "overview", path: "/" },
  { name: "migrations", path: "/migrations" },
  { name: "migration", path: "/migrations/lead-centric" },
  { name: "workspace", path: "/workspaces/globex" },
  { name: "flags", path: "/flags" },
  { name: "flag", path: "/flags/lead_tracking_ui" },
  { name: "alerts", path: "/alerts" },
  { name: "audit", path: "/audit" },
  { name: "settings", path: "/settings" },
  { name: "guardrails", path: "/settings/guardrails" },
  { name: "notifications", path: "/settings/notifications" },
];

// Lists drawn with rows, whatever ran before: an active and a revoked ingest token
// (the seed has none, and an empty list hides the table's layout at 390 px).
test.beforeAll(async () => {
  const sql = postgres(process.env.E2E_DATABASE_URL!, { max: 1, onnotice: () => {} });
  try {
    const tag = randomUUID().slice(0, 8);
    for (const revoked of [false, true]) {
      const raw = `rc_${randomBytes(24).toString("base64url")}`;
      await sql`insert into public.ingest_tokens (name, token_hash, prefix, scopes, revoked_at)
                values (${`pages ${tag}${revoked ? " revoked" : ""}`}, ${createHash("sha256").update(raw).digest("hex")}, ${raw.slice(0, 8)},
                        ${["metrics:write", "feedback:write", "state:read"]}::text[], ${revoked ? new Date() : null})`;
    }
    // A Prometheus source on the demo migration, unreachable (nothing listens on port 9): its row shows the reason.
    await sql`insert into public.prometheus_sources (migration_id, name, base_url, query, metric, last_run_at, last_status, last_error)
              select id, ${`p95 from Prometheus ${tag}`}, 'http://127.0.0.1:9',
                     'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{tenant="{{workspace}}",track="{{variant}}"}[{{window}}]))) * 1000',
                     'prom_p95_ms', now(), 'error', 'Prometheus unreachable: connection failed (ECONNREFUSED)'
                from public.migrations where key = 'lead-centric'`;
  } finally {
    await sql.end();
  }
});

for (const role of ["admin", "operator", "viewer"] as Role[]) {
  for (const width of [1440, 390]) {
    test(`every page as ${role} at ${width} px: screenshot, accessibility, no overflow`, async ({ page }) => {
      test.setTimeout(240_000);
      await page.setViewportSize({ width, height: width > 500 ? 900 : 844 });
      await loginAs(page, role);
      for (const p of PAGES) {
        await page.goto(p.path);
        await hydrated(page);
        await expect.soft(page).toHaveTitle(/ · Rollout Console$/);
        // Let live charts draw before the scan and the picture.
        await page.waitForLoadState("networkidle").catch(() => {});
        if (width === 1440 || role === "admin") {
          const scan = await new AxeBuilder({ page }).analyze();
          const bad = scan.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
          expect.soft(bad.map((v) => `${p.path}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`)).toEqual([]);
        }
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect.soft(overflow, `${p.path} is wider than the screen at ${width} px`).toBeLessThanOrEqual(0);
        await shot(page, `pages-${p.name}-${role}-${width}`);
      }
    });
  }
}

test("sign-in page at 1440 and 390 px", async ({ page }) => {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 844 });
    await page.goto("/login");
    await hydrated(page);
    await expect(page).toHaveTitle("Sign in · Rollout Console");
    const scan = await new AxeBuilder({ page }).analyze();
    expect(scan.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
    await shot(page, `pages-login-${width}`);
  }
});
