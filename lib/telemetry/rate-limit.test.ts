import { afterEach, describe, expect, it, vi } from "vitest";
import { resetRateLimits, takeRequest } from "./rate-limit";

afterEach(() => {
  vi.unstubAllEnvs();
  resetRateLimits();
});

describe("takeRequest", () => {
  it("allows the burst, then asks to wait, then refills", () => {
    vi.stubEnv("INGEST_RATE_LIMIT_PER_SEC", "2");
    vi.stubEnv("INGEST_RATE_LIMIT_BURST", "3");
    const t = 1_000_000;
    expect([takeRequest("a", t), takeRequest("a", t), takeRequest("a", t)]).toEqual([null, null, null]);
    expect(takeRequest("a", t)).toBe(1);
    expect(takeRequest("b", t)).toBeNull();
    expect(takeRequest("a", t + 600)).toBeNull();
  });
});
