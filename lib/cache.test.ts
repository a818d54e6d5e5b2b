import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { staleWhileRevalidate, staleWhileRevalidateOrLater } from "./cache";

// Only Date is faked: durations are set by moving the clock inside a computation.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date("2026-12-01T09:00:00Z"));
});
afterEach(() => vi.useRealTimers());

let n = 0;
const key = () => `test-${++n}`;

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("staleWhileRevalidate", () => {
  it("computes once, then answers from the cache while the fingerprint holds and the TTL has not passed", async () => {
    const k = key();
    const compute = vi.fn(async () => 1);
    expect((await staleWhileRevalidate(k, "a", { ttlMs: 1000 }, compute)).value).toBe(1);
    expect((await staleWhileRevalidate(k, "a", { ttlMs: 1000 }, compute)).value).toBe(1);
    expect(compute).toHaveBeenCalledTimes(1);
    vi.setSystemTime(Date.now() + 1000);
    await staleWhileRevalidate(k, "a", { ttlMs: 1000 }, compute);
    expect(compute).toHaveBeenCalledTimes(2);
  });

  it("a cheap computation is redone at once when the fingerprint changes", async () => {
    const k = key();
    let v = 0;
    const compute = async () => ++v;
    await staleWhileRevalidate(k, "a", { ttlMs: 60_000 }, compute);
    expect((await staleWhileRevalidate(k, "b", { ttlMs: 60_000 }, compute)).value).toBe(2);
    expect((await staleWhileRevalidate(k, "c", { ttlMs: 60_000 }, compute)).value).toBe(3);
  });

  it("a slow computation runs in the background: the view gets the last value, and it is throttled", async () => {
    const k = key();
    // the first computation takes 5 s
    await staleWhileRevalidate(k, "a", { ttlMs: 60_000 }, async () => {
      vi.setSystemTime(Date.now() + 5000);
      return "first";
    });
    // 20 s later (4 × 5 s): a change starts a refresh without waiting for it
    vi.setSystemTime(Date.now() + 15_000);
    const d = deferred<string>();
    const slow = vi.fn(() => d.promise);
    expect((await staleWhileRevalidate(k, "b", { ttlMs: 60_000 }, slow)).value).toBe("first");
    expect((await staleWhileRevalidate(k, "b", { ttlMs: 60_000 }, slow)).value).toBe("first");
    expect(slow).toHaveBeenCalledTimes(1); // one refresh at a time
    vi.setSystemTime(Date.now() + 5000);
    d.resolve("second");
    await d.promise;
    await Promise.resolve();
    expect((await staleWhileRevalidate(k, "b", { ttlMs: 60_000 }, slow)).value).toBe("second");
    // another change within 4 × 5 s of that refresh: the last value, no new computation
    const again = vi.fn(async () => "third");
    expect((await staleWhileRevalidate(k, "c", { ttlMs: 60_000 }, again)).value).toBe("second");
    expect(again).not.toHaveBeenCalled();
  });

  it("a failed refresh keeps the last value", async () => {
    const k = key();
    await staleWhileRevalidate(k, "a", { ttlMs: 60_000 }, async () => "ok");
    const failing = async (): Promise<string> => {
      throw new Error("database gone");
    };
    expect((await staleWhileRevalidate(k, "b", { ttlMs: 60_000 }, failing)).value).toBe("ok");
  });
});

describe("staleWhileRevalidateOrLater", () => {
  it("the first call waits at most firstWaitMs, then the same computation answers the next call", async () => {
    const k = key();
    const gate = deferred<number>();
    const compute = vi.fn(() => gate.promise);
    expect(await staleWhileRevalidateOrLater(k, "a", { ttlMs: 60_000, firstWaitMs: 5 }, compute)).toBeNull();
    const second = staleWhileRevalidateOrLater(k, "a", { ttlMs: 60_000, firstWaitMs: 60_000 }, compute);
    gate.resolve(7);
    expect((await second)?.value).toBe(7);
    expect(compute).toHaveBeenCalledTimes(1);
    // Once a value exists the bound no longer applies: it answers from the cache.
    expect((await staleWhileRevalidateOrLater(k, "a", { ttlMs: 60_000, firstWaitMs: 0 }, compute))?.value).toBe(7);
  });

  it("a first computation that fails in time is thrown; one that fails later reaches the next caller", async () => {
    await expect(staleWhileRevalidateOrLater(key(), "a", { ttlMs: 1000, firstWaitMs: 60_000 }, async () => { throw new Error("down"); })).rejects.toThrow("down");
    const k = key();
    const gate = deferred<number>();
    const failing = vi.fn(() => gate.promise.then(() => { throw new Error("late"); }));
    expect(await staleWhileRevalidateOrLater(k, "a", { ttlMs: 1000, firstWaitMs: 5 }, failing)).toBeNull();
    const next = staleWhileRevalidateOrLater(k, "a", { ttlMs: 1000, firstWaitMs: 60_000 }, failing);
    gate.resolve(0);
    await expect(next).rejects.toThrow("late");
  });
});
