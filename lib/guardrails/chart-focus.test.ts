import { describe, expect, it } from "vitest";
import { alertChartFocus } from "./chart-focus";

const at = "2026-11-22T10:00:00Z";

describe("an alert's limit on the charts", () => {
  it("puts a ratio rule at threshold × the old variant's value", () => {
    const f = alertChartFocus({ rule: "p95 latency regression", statistic: "p95_latency", openedAt: at, evaluation: { comparison: "ratio", operator: ">", threshold: 1.2, value_old: 150 } });
    expect(f).toEqual({ chart: "latency", value: 180, label: "limit: p95 latency regression", at: Date.parse(at) });
  });

  it("puts a difference rule with an absolute guard at the stricter of the two", () => {
    const f = alertChartFocus({ rule: "errors", statistic: "error_rate", openedAt: at, evaluation: { comparison: "difference", operator: ">", threshold: 0, absolute_guard: 0.01, value_old: 0.004 } });
    expect(f?.chart).toBe("error");
    expect(f?.value).toBe(0.01);
  });

  it("puts an absolute rule at its threshold, and skips rules without a chart", () => {
    expect(alertChartFocus({ rule: "success", statistic: "success_rate", openedAt: at, evaluation: { comparison: "absolute", operator: "<", threshold: 0.8 } })?.value).toBe(0.8);
    expect(alertChartFocus({ rule: "complaints", statistic: "complaint_count", openedAt: at, evaluation: { comparison: "absolute", threshold: 3 } })).toBeUndefined();
    expect(alertChartFocus({ rule: "p95", statistic: "p95_latency", openedAt: at, evaluation: { comparison: "ratio", threshold: 1.2, value_old: null } })).toBeUndefined();
  });
});
