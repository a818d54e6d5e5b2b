import { describe, expect, it } from "vitest";
import { ChannelInput, RuleInput } from "@/lib/guardrails/schemas";
import { parseFeedbackBatch } from "@/lib/telemetry/validate";
import { containsNul, NUL_MESSAGE, text } from "./text";

const item = { workspace: "acme", migration: "lead-centric", kind: "comment", source: "app", message: "fine" };

describe("NUL refusal", () => {
  it("text() refuses NUL and names nothing else wrong", () => {
    expect(text().safeParse("a\u0000b").error?.issues[0].message).toBe(NUL_MESSAGE);
    expect(text().max(5).safeParse("ok").success).toBe(true);
  });

  it.each([
    ["message", { message: "hi\u0000" }],
    ["reporter", { reporter: "\u0000" }],
    ["source", { source: "a\u0000" }],
    ["context", { context: { note: "x\u0000y" } }],
    ["context", { context: { deep: [{ k: "\u0000" }] } }],
    ["context", { context: { ["k\u0000"]: 1 } }],
  ])("a feedback item with NUL in %s is a 422 naming it", (field, extra) => {
    const r = parseFeedbackBatch([{ ...item, ...extra }]);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.problem.status).toBe(422);
      expect(r.problem.field).toBe(field);
      expect(r.problem.message).toContain("NUL");
    }
  });

  it("settings inputs refuse NUL", () => {
    expect(ChannelInput.safeParse({ name: "a\u0000", kind: "slack", url: "https://hooks.example/x", events: ["stage_changed"] }).success).toBe(false);
    expect(ChannelInput.safeParse({ name: "a", kind: "slack", url: "https://hooks.example/\u0000", events: ["stage_changed"] }).success).toBe(false);
    const rule = { name: "r", statistic: "error_rate", comparison: "absolute", operator: ">", threshold: 1, windowMinutes: 5, minSamples: 1, severity: "warning", action: "alert" };
    expect(RuleInput.safeParse(rule).success).toBe(true);
    expect(RuleInput.safeParse({ ...rule, description: "\u0000" }).success).toBe(false);
  });

  it("containsNul looks into keys and nested values", () => {
    expect(containsNul({ a: [1, { b: "ok" }] })).toBe(false);
    expect(containsNul({ a: [1, { b: "o\u0000k" }] })).toBe(true);
  });
});
