import { describe, expect, it } from "vitest";
import { auditCsv, diffOf, presentAudit } from "./present";

describe("audit presentation", () => {
  it("shows only changed fields, without ids", () => {
    expect(diffOf({ id: "x", enabled: false, rollout_bps: 0 }, { id: "x", enabled: true, rollout_bps: 2500 })).toEqual([
      { field: "enabled", before: "no", after: "yes" },
      { field: "rollout bps", before: "0", after: "2500" },
    ]);
  });

  it("names the action and the target instead of ids", () => {
    const p = presentAudit({
      source: "event", id: "1", at: "2026-12-01T10:00:00Z", actor: null, action: "migration.resume", targetType: "migration",
      targetId: "d28ad87b-0000-4000-8000-000000000000", targetName: "AI pipeline v2", workspace: null, migration: "AI pipeline v2",
      reason: "fixed", before: null, after: null, details: { workspaces: 3, flags_restored: 1, migration_id: "d28ad87b" },
    });
    expect(p).toMatchObject({ actor: "system", action: "Migration resumed", target: "AI pipeline v2", details: ["workspaces: 3", "flags restored: 1"] });
  });

  it("writes CSV with quoted cells and neutralised formulas", () => {
    const csv = auditCsv([{ at: "t", actor: "a", kind: "k", action: "=cmd()", target: 'say "hi"', workspace: "", migration: "", reason: "", diff: [{ field: "f", before: "1", after: "2" }], details: [] }]);
    expect(csv.split("\r\n")[1]).toBe(`"t","a","k","'=cmd()","say ""hi""","","","","f: 1 → 2",""`);
  });
});
