import { randomBytes, createHash } from "node:crypto";
import { DEMO_PASSWORD, expect, loginAs, test, USERS } from "./fixtures";

// Class: secrets in what a viewer can see. An admin configures channels (one through
// the Settings form, a Slack webhook as the database writes it) and a token; then a
// viewer visits every page and JSON answer a viewer can reach and none of them may
// contain a channel URL's path or query, a signing secret or a token hash.
test("a viewer finds no channel URL, signing secret or token hash on any page or API answer", async ({ page, browser, sql }) => {
  test.setTimeout(180_000);
  const tag = randomBytes(6).toString("hex");
  const formPath = `/hooks/T${tag}/FORMSECRETPATH${tag}`;
  const slackPath = `/services/T${tag}/B${tag}/SLACKSECRET${tag}`;

  // 1. The admin adds a webhook through the form (a receiver on 127.0.0.1, which e2e allows).
  await loginAs(page, "admin");
  await page.goto("/settings/notifications");
  await page.getByLabel("Name").fill(`#secret-test-${tag}`);
  await page.getByLabel("Kind").selectOption("webhook");
  await page.getByLabel("URL").fill(`http://127.0.0.1:9${formPath}?token=QUERYSECRET${tag}`);
  await page.getByRole("button", { name: "Add channel" }).click();
  await expect(page.getByRole("status")).toContainText("whsec_");
  // A Slack channel as the database writes it (its host does not resolve here), changed once.
  const [admin] = await sql`select id, email from auth.users where email = ${USERS.admin}`;
  await sql.begin(async (tx) => {
    await tx`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', ${JSON.stringify({ sub: admin.id, email: admin.email, role: "authenticated" })}, true)`;
    const [c] = await tx`insert into public.notification_channels (name, kind, url, events) values (${`slack-${tag}`}, 'slack', ${`https://hooks.slack.com${slackPath}`}, ${["stage_changed"]}) returning id`;
    await tx`update public.notification_channels set url = ${`https://hooks.slack.com${slackPath}?v=2`} where id = ${c.id}`;
  });
  const raw = `rc_${randomBytes(24).toString("base64url")}`;
  await sql`insert into public.ingest_tokens (name, token_hash, prefix) values (${`secret-test-${tag}`}, ${createHash("sha256").update(raw).digest("hex")}, ${raw.slice(0, 8)})`;

  const channels = await sql<{ url: string; secret: string | null }[]>`select url, secret from public.notification_channels`;
  const hashes = (await sql<{ h: string }[]>`select token_hash as h from public.ingest_tokens`).map((r) => r.h);
  const needles = [
    ...channels.flatMap((c) => {
      const u = new URL(c.url);
      // Paths and queries long enough not to occur by chance in a page.
      return [c.url, u.pathname.length >= 12 ? u.pathname : null, u.search.length >= 8 ? u.search : null, c.secret].filter((x): x is string => Boolean(x));
    }),
    ...hashes,
    `FORMSECRETPATH${tag}`, `QUERYSECRET${tag}`, `SLACKSECRET${tag}`, raw,
  ];

  // 2. A viewer, in a fresh browser, reads everything a viewer can reach.
  const ctx = await browser.newContext();
  const viewer = await ctx.newPage();
  await viewer.goto("/login");
  await viewer.getByLabel("Email").fill(USERS.viewer);
  await viewer.getByLabel("Password").fill(DEMO_PASSWORD);
  await viewer.getByRole("button", { name: "Sign in" }).click();
  await expect(viewer.getByRole("heading", { name: "Overview" })).toBeVisible();
  const [ws] = await sql`select w.slug from public.workspaces w join public.workspace_rollouts r on r.workspace_id = w.id order by w.slug limit 1`;
  const [flag] = await sql`select key from public.feature_flags order by key limit 1`;
  const urls = [
    "/", "/migrations", "/migrations/lead-centric", "/migrations/ai-pipeline", `/workspaces/${ws.slug}`, "/flags", `/flags/${flag.key}`,
    "/alerts", "/alerts?state=resolved", "/audit", "/audit?source=event", `/audit?q=notification`, "/audit?q=ingest", "/settings", "/settings/guardrails",
    "/settings/notifications",
    "/api/rollouts/fingerprint", `/api/rollouts/gate?workspace=${ws.slug}&migration=lead-centric`,
    `/api/telemetry/series?migration=lead-centric&workspace=${ws.slug}&range=24h`, "/api/telemetry/series?migration=ai-pipeline&range=7d",
    `/api/telemetry/feedback?migration=lead-centric&workspace=${ws.slug}&range=7d`,
  ];
  const leaks: string[] = [];
  for (const url of urls) {
    // The HTML (with the RSC payload inlined) and the RSC payload itself, as the client router fetches it.
    for (const headers of [{}, { rsc: "1" }] as Record<string, string>[]) {
      const res = await viewer.request.get(url, { headers, failOnStatusCode: false });
      expect(res.status(), url).toBeLessThan(500);
      const body = await res.text();
      for (const n of needles) if (body.includes(n)) leaks.push(`${url}${"rsc" in headers ? " (rsc)" : ""}: ${n.slice(0, 60)}`);
    }
  }
  // The rendered audit page, as a viewer sees it, still shows the channel changes — redacted.
  await viewer.goto("/audit?source=event");
  await expect(viewer.getByTestId("audit-row").filter({ hasText: /notification channels insert/i }).first()).toContainText("hooks.slack.com/…");
  await ctx.close();
  expect(leaks).toEqual([]);
});
