import { randomUUID } from "node:crypto";
import { expect, loginAs, shot, test } from "./fixtures";

// Prometheus sources on the migration page: admins add, edit, disable and delete them
// (zod-checked in the browser and again on the server, the address checked on the
// server); an operator replaying an admin's request gets the product's refusal and
// nothing is written.
test("an admin adds, edits, disables and deletes a source; an operator's replay is refused", async ({ page, browser, sql }) => {
  const name = `p95 ${randomUUID().slice(0, 6)}`;
  const count = async () => Number((await sql`select count(*)::int as n from public.prometheus_sources where name like ${name + "%"}`)[0].n);
  await loginAs(page, "admin");
  await page.goto("/migrations/ai-pipeline");
  const form = page.getByRole("form", { name: "New Prometheus source" });
  await form.getByLabel("Name").fill(name);
  await form.getByLabel("Prometheus URL").fill("http://10.1.2.3:9090");
  await form.getByLabel("Stored as metric").fill("prom_p95_ms");
  await form.getByLabel(/^PromQL/).fill("up");
  await form.getByRole("button", { name: "Add source" }).click();
  await expect(form.getByRole("alert")).toContainText("query: must use {{workspace}}");
  await form.getByLabel(/^PromQL/).fill('app_latency_p95_ms{workspace="{{workspace}}",variant="{{variant}}"}');
  await form.getByRole("button", { name: "Add source" }).click();
  await expect(form.getByRole("alert")).toContainText("baseUrl: 10.1.2.3 resolves to 10.1.2.3, a private address");
  expect(await count()).toBe(0);

  // the e2e stack allows 127.0.0.1 (NOTIFY_ALLOWED_HOSTS); nothing listens on port 9
  await form.getByLabel("Prometheus URL").fill("http://127.0.0.1:9");
  const captured = page.waitForRequest((r) => r.method() === "POST" && Boolean(r.headers()["next-action"]));
  await form.getByRole("button", { name: "Add source" }).click();
  const req = await captured;
  const row = page.getByTestId("prometheus-source").filter({ hasText: name });
  await expect(row).toBeVisible();
  expect(await count()).toBe(1);
  await shot(page, "prometheus-source-added");

  // an operator replays the admin's request with their own session
  const ctx = await browser.newContext();
  const op = await ctx.newPage();
  await loginAs(op, "operator");
  await op.goto("/migrations/ai-pipeline");
  await expect(op.getByRole("form", { name: "New Prometheus source" })).toHaveCount(0);
  await expect(op.getByTestId("prometheus-source").filter({ hasText: name }).getByRole("button", { name: "Edit" })).toHaveCount(0);
  const res = await op.request.post("/migrations/ai-pipeline", {
    headers: { "next-action": req.headers()["next-action"], "content-type": req.headers()["content-type"] ?? "text/plain;charset=UTF-8", accept: "text/x-component" },
    data: req.postData() ?? "",
  });
  expect(await res.text()).toContain("Not allowed: this needs an admin role; you are an operator.");
  expect(await count()).toBe(1);
  await ctx.close();

  // edit, disable, delete
  await row.getByRole("button", { name: "Edit" }).click();
  const edit = page.getByRole("form", { name: `Edit source ${name}` });
  await edit.getByLabel("Name").fill(`${name} edited`);
  await edit.getByLabel(/^Every/).fill("120");
  await edit.getByRole("button", { name: "Save source" }).click();
  const edited = page.getByTestId("prometheus-source").filter({ hasText: `${name} edited` });
  await expect(edited).toContainText("every 120 s");
  await edited.getByRole("button", { name: "Disable" }).click();
  await expect(edited).toContainText("disabled");
  await edited.getByRole("button", { name: "Delete" }).click();
  await expect(edited).toHaveCount(0);
  expect(await count()).toBe(0);
  const audit = await sql`select action from public.audit_events where target_type = 'prometheus_source' and details::text like ${"%" + name + "%"} order by id`;
  expect(audit.map((a) => a.action)).toEqual(["prometheus_source.insert", "prometheus_source.update", "prometheus_source.update", "prometheus_source.delete"]);
});
