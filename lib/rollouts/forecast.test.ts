import { describe, expect, it } from "vitest";
import { forecastCheck, forecastGate, type CheckLike } from "./forecast";

const now = new Date("2026-12-01T10:00:00Z");

describe("gate forecast", () => {
  it("says how many samples are missing and when they arrive at the current rate", () => {
    const f = forecastCheck({ check: "min_samples", status: "fail", observed: 122, threshold: 1000, observed_old: 500, observed_new: 122 }, { old: 10, new: 4 }, now);
    expect(f?.missing).toBe("500 old and 878 new samples missing");
    // new is the slower one: 878 / 4 = 219.5 min
    expect(f?.eta).toBe(new Date(now.getTime() + 219.5 * 60_000).toISOString());
  });

  it("gives no eta when a needed variant has no traffic", () => {
    const f = forecastCheck({ check: "min_samples", status: "fail", observed: 0, threshold: 100, observed_old: 200, observed_new: 0 }, { old: 5, new: 0 }, now);
    expect(f?.eta).toBeNull();
    expect(f?.note).toMatch(/no new samples arrived/);
  });

  it("counts the soak time down", () => {
    expect(forecastCheck({ check: "soak_time", status: "fail", observed: 1400, threshold: 1440 }, null, now)?.eta).toBe("2026-12-01T10:40:00.000Z");
  });

  it("says waiting will not fix a regression, and ignores passing checks and extra fields", () => {
    expect(forecastCheck({ check: "p95_ratio", status: "fail", observed: 1.41, threshold: 1.2, interval: [1.3, 1.5] } as CheckLike, { old: 1, new: 1 }, now)?.eta).toBeNull();
    expect(forecastCheck({ check: "error_rate", status: "pass", observed: 0.001, threshold: 0.01 }, null, now)).toBeNull();
  });

  it("answers an unknown or inconclusive check generically", () => {
    expect(forecastCheck({ check: "sequential_test", status: "inconclusive", estimate: 0.2 } as CheckLike, { old: 3, new: 3 }, now)?.missing).toBe("more data");
  });

  it("takes the latest eta over the failing checks, none when one cannot pass by waiting", () => {
    const checks = [
      { check: "soak_time", status: "fail", observed: 0, threshold: 60 },
      { check: "min_samples", status: "fail", observed: 0, threshold: 100, observed_old: 0, observed_new: 0 },
    ];
    expect(forecastGate(checks, { old: 1, new: 1 }, now).eta).toBe("2026-12-01T11:40:00.000Z");
    expect(forecastGate([...checks, { check: "open_critical_alerts", status: "fail", observed: 1, threshold: 0 }], { old: 1, new: 1 }, now)).toEqual({ eta: null, minutes: null, blockedByWaiting: true });
  });
});
