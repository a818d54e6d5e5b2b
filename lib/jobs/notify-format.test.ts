import { describe, expect, it } from "vitest";
import { signature } from "./deliver-notification";
import { escapeSlack, summary } from "./notify-format";

const base = { migration: { key: "ai-pipeline", name: "AI pipeline v2" }, workspace: { slug: "globex", name: "Globex" } };

describe("notification text", () => {
  it("says who moved which workspace where, and why", () => {
    const t = summary({ ...base, event: "stage_changed", kind: "advance", from_stage: 1, to_stage: 2, from_stage_name: "Shadow", to_stage_name: "10 %", actor: "op@example.com", reason: "healthy" }, "https://console");
    expect(t).toBe("Globex (globex): AI pipeline v2 moved 1 Shadow → 2 10 % by op@example.com — healthy. https://console/workspaces/globex");
  });

  it("says which plan halted or awaits approval, with a link to the migration", () => {
    const plan = { id: "p1", name: "Canaries, then 1 → 100 %", step: 3, steps: 6 };
    expect(summary({ event: "plan_halted", migration: base.migration, plan, reason: "An automatic rollback in the cohort halted the plan." }, "https://console"))
      .toBe(':octagonal_sign: The plan "Canaries, then 1 → 100 %" of AI pipeline v2 halted at step 3 of 6 — An automatic rollback in the cohort halted the plan. https://console/migrations/ai-pipeline');
    expect(summary({ event: "plan_approval_needed", migration: base.migration, plan, approvals_required: 1 }, "https://console"))
      .toContain("awaits 1 approval(s) for step 3 of 6: approve or reject on the migration page. https://console/migrations/ai-pipeline");
    expect(summary({ event: "plan_step_finished", migration: base.migration, plan, target_stage: 4 })).toBe('The plan "Canaries, then 1 → 100 %" of AI pipeline v2: step 3 of 6 finished (stage 4).');
  });

  it("names the rule and the numbers of an alert", () => {
    const t = summary({ ...base, event: "alert_opened", severity: "critical", rule: "p95 latency regression", message: "p95 latency new/old = 1.988 > 1.2 (new 335.3, old 168.7)" });
    expect(t).toContain("Critical alert on Globex (globex) in AI pipeline v2: p95 latency regression — p95 latency new/old = 1.988 &gt; 1.2");
  });

  it("lists the workspaces a wave moved, at most ten", () => {
    const moved = Array.from({ length: 12 }, (_, i) => ({ slug: `w${i}`, name: `W${i}` }));
    const t = summary({ event: "wave_applied", migration: base.migration, to_stage: 2, moved, actor: "op@example.com" });
    expect(t).toContain("12 workspace(s) moved to stage 2 (w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, …)");
  });
});

describe("Slack injection", () => {
  const hostile = ["<!channel>", "<!here>", "<!everyone>", "<@U123>", "<#C123>", "<https://evil.example|click here>", "<mailto:x@evil.example|x>", "a & b", "&lt;!channel&gt;"];
  it.each(hostile)("user text %j cannot form a mention, link or entity", (text) => {
    const payloads = [
      { ...base, event: "stage_changed", kind: "advance", from_stage: 1, to_stage: 2, from_stage_name: text, to_stage_name: text, actor: text, reason: text },
      { event: "auto_rollback", workspace: { slug: "globex", name: text }, migration: { key: "k", name: text }, from_stage: 2, to_stage: 1, reason: text },
      { ...base, event: "alert_opened", severity: "critical", rule: text, message: text },
      { ...base, event: "alert_resolved", rule: text },
      { event: "emergency_stop", migration: { key: "k", name: text }, reason: text, actor: text },
      { event: "wave_applied", migration: { key: "k", name: text }, to_stage: 2, moved: [{ slug: text, name: text }], actor: text },
      { event: "something_new", note: text },
    ];
    for (const p of payloads) {
      const t = summary(p, "https://console.example");
      // Only the product's own link may remain; no "<" or ">" at all, "&" only as an entity.
      expect(t).not.toMatch(/[<>]/);
      expect(t.replace(/&(amp|lt|gt);/g, "")).not.toContain("&");
    }
  });
  it("escapes exactly &, < and >", () => {
    expect(escapeSlack("<@U1> & <!channel>")).toBe("&lt;@U1&gt; &amp; &lt;!channel&gt;");
  });
});

describe("webhook signature", () => {
  it("is an HMAC-SHA256 over '<timestamp>.<body>' (known vector)", () => {
    expect(signature("s3cret", '{"a":1}', 1700000000)).toBe("t=1700000000,v1=1698a50bc74d1ff1db85c4e0a5297c2ad9fdba245d5737cdb789e4cc6e098940");
  });
});
