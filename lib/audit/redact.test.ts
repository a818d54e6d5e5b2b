import { describe, expect, it } from "vitest";
import { redactSecrets, redactUrl } from "./redact";

const SLACK = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX";

describe("audit redaction", () => {
  it("keeps a webhook URL's scheme and host only", () => {
    expect(redactUrl(SLACK)).toBe("https://hooks.slack.com/…");
    expect(redactUrl("http://10.0.0.1:8080/hook?key=abc")).toBe("http://10.0.0.1:8080/…");
    expect(redactUrl("not a url")).toBe("[redacted]");
  });

  it("redacts channel rows, secrets and token hashes wherever they sit", () => {
    const details = {
      before: null,
      after: { id: "c1", name: "#rollouts", kind: "slack", url: SLACK, secret: "whsec_abcdefghijklmnop", events: ["stage_changed"] },
      nested: [{ token_hash: "ab".repeat(32), webhook_url: SLACK }],
      note: `moved because of ${SLACK}?token=1 and rc_abcdefghijklmnopqrstuvwxyz`,
    };
    const text = JSON.stringify(redactSecrets(details));
    expect(text).not.toContain("XXXXXXXX");
    expect(text).not.toContain("whsec_abc");
    expect(text).not.toContain("ab".repeat(32));
    expect(text).not.toContain("rc_abcdefgh");
    expect(text).toContain("#rollouts");
    expect(text).toContain("https://hooks.slack.com/…");
  });

  it("leaves other values as they are", () => {
    expect(redactSecrets({ a: 1, b: [true, null, "plain words"], c: { role: "admin" } })).toEqual({ a: 1, b: [true, null, "plain words"], c: { role: "admin" } });
  });
});
