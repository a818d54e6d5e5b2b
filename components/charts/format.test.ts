import { describe, expect, it } from "vitest";
import { groupMarkers, markerText } from "./format";

const m = (t: number, kind = "advance", from = 1, to = 2) => ({ t, kind, from, to, workspace: "w", reason: "" });

describe("stage markers", () => {
  it("groups markers per bucket with a count, keeping a lone marker's move", () => {
    const hour = 3_600_000;
    const groups = groupMarkers([m(10), m(20), m(30), m(5 * hour, "rollback", 2, 1)], 0, 24 * hour, hour, 24);
    expect(groups.map((g) => g.label)).toEqual(["3 changes", "2→1"]);
    expect(groups[0].items).toHaveLength(3);
  });

  it("widens buckets so a long range has at most maxGroups lines", () => {
    const day = 86_400_000;
    const many = Array.from({ length: 300 }, (_, i) => m(i * (30 * day / 300)));
    expect(groupMarkers(many, 0, 30 * day, 3_600_000, 24).length).toBeLessThanOrEqual(24);
  });

  it("names a change that keeps the stage instead of printing 3→3", () => {
    expect(markerText(m(0, "pause", 3, 3))).toBe("paused");
    expect(markerText(m(0, "resume", 3, 3))).toBe("resumed");
  });
});
