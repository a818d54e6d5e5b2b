import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listAudit } from "../../lib/audit/queries";
import { asUser, closeDb, createUser, db, type TestUser } from "../helpers/db";

// Secrets never reach the audit log: channel URLs (path and query), signing
// secrets and token hashes are redacted as audit rows are written, and again as
// any row is read for display.
let admin: TestUser, viewer: TestUser;
beforeAll(async () => {
  [admin, viewer] = await Promise.all([createUser("admin"), createUser("viewer")]);
});
afterAll(closeDb);

const SLACK_PATH = `/services/T${Date.now()}/B0000/SECRETPATH${Math.random().toString(36).slice(2)}`;

describe("audit redaction", () => {
  it("stores a channel's insert, update and delete without its URL path, query or secret", async () => {
    const url = `https://hooks.slack.com${SLACK_PATH}?token=QUERYSECRET`;
    const [c] = await asUser(admin, (tx) => tx`insert into public.notification_channels (name, kind, url, secret, events)
      values ('redaction test', 'webhook', ${url}, 'whsec_SIGNINGSECRET123', ${["stage_changed"]}) returning id`);
    await asUser(admin, (tx) => tx`update public.notification_channels set url = ${url + "&more=1"} where id = ${c.id}`);
    await asUser(admin, (tx) => tx`delete from public.notification_channels where id = ${c.id}`);
    const rows = await db()`select details::text as d from public.audit_events where target_id = ${c.id} order by id`;
    expect(rows.length).toBe(3);
    for (const r of rows) {
      expect(r.d).not.toContain("SECRETPATH");
      expect(r.d).not.toContain("QUERYSECRET");
      expect(r.d).not.toContain("SIGNINGSECRET");
      expect(r.d).toContain("https://hooks.slack.com/…");
    }
  });

  it("redacts secrets in any audit row as it is written, whoever writes it", async () => {
    const [e] = await db()`insert into public.audit_events (action, target_type, target_id, details)
      values ('test.write', 'test', 'x', ${db().json({ token_hash: "f".repeat(64), nested: [{ secret: "s3cr3t-value" }], note: `see https://example.com${SLACK_PATH} and rc_ABCDEFGHIJKLMNOP` })}) returning details::text as d`;
    expect(e.d).not.toContain("f".repeat(64));
    expect(e.d).not.toContain("s3cr3t-value");
    expect(e.d).not.toContain("SECRETPATH");
    expect(e.d).not.toContain("ABCDEFGHIJKLMNOP");
  });

  it("shows viewers no secret in the audit timeline", async () => {
    // Rows written before the trigger cannot be made again (every insert is redacted
    // now); the read-time rules are unit-tested in lib/audit/redact.test.ts. Here the
    // viewer's timeline, as the audit page loads it, is checked end to end.
    const marker = `legacy-${Date.now()}`;
    await db()`insert into public.audit_events (action, target_type, target_id, details)
      values ('notification_channels.insert', 'notification_channels', ${marker}, ${db().json({ after: { url: `https://hooks.slack.com${SLACK_PATH}` } })})`;
    const rows = await asUser(viewer, (tx) => listAudit(tx as never, { q: marker, limit: 10 }));
    expect(rows.length).toBe(1);
    expect(JSON.stringify(rows)).not.toContain("SECRETPATH");
  });
});
