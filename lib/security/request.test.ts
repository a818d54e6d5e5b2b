import { describe, expect, it } from "vitest";
import { clientAddress, crossOriginProblem, nestingDepth, requestOrigin } from "./request";

const H = (o: Record<string, string>) => new Headers(o);
const NONE = {};
const TRUSTED = { TRUST_PROXY: "1" };

describe("forwarded headers", () => {
  it("ignores X-Forwarded-Host and -Proto unless a proxy is trusted", () => {
    const h = H({ host: "console.example:3000", "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" });
    expect(requestOrigin(h, NONE)).toBe("http://console.example:3000");
    expect(requestOrigin(h, TRUSTED)).toBe("https://evil.example");
  });

  it("takes the client address from the trusted hop only", () => {
    const h = H({ "x-forwarded-for": "6.6.6.6, 10.0.0.7, 192.0.2.10" });
    expect(clientAddress(h, NONE)).toBe("192.0.2.10"); // the socket (set by the preload)
    expect(clientAddress(h, TRUSTED)).toBe("192.0.2.10");
    expect(clientAddress(h, { TRUST_PROXY: "2" })).toBe("10.0.0.7");
    expect(clientAddress(H({ "x-forwarded-for": "::ffff:127.0.0.1" }), NONE)).toBe("127.0.0.1");
    expect(clientAddress(H({ "x-forwarded-for": "<script>" }), NONE)).toBe("unknown");
    expect(clientAddress(H({}), NONE)).toBe("unknown");
  });
});

describe("cross-origin check", () => {
  const base = { host: "console.example:3000" };
  it("accepts the own origin", () => expect(crossOriginProblem(H({ ...base, origin: "http://console.example:3000" }), NONE)).toBeNull());
  it.each([
    ["another host", { origin: "http://evil.example" }],
    ["another port", { origin: "http://console.example:3001" }],
    ["another scheme", { origin: "https://console.example:3000" }],
    ["a forged forwarded host", { origin: "http://evil.example", "x-forwarded-host": "evil.example" }],
    ["an opaque origin", { origin: "null" }],
    ["no Origin but cross-site fetch metadata", { "sec-fetch-site": "cross-site" }],
    ["garbage", { origin: "http://" }],
  ])("refuses %s", (_what, extra) => expect(crossOriginProblem(H({ ...base, ...extra }), NONE)).not.toBeNull());
  it("behind a trusted proxy compares with the forwarded scheme and host", () => {
    const h = H({ host: "10.0.0.5:3000", "x-forwarded-host": "console.example", "x-forwarded-proto": "https" });
    expect(crossOriginProblem(H({ ...Object.fromEntries(h), origin: "https://console.example" }), TRUSTED)).toBeNull();
    expect(crossOriginProblem(H({ ...Object.fromEntries(h), origin: "http://console.example" }), TRUSTED)).not.toBeNull();
  });
  it("accepts PUBLIC_URL's origin", () => {
    expect(crossOriginProblem(H({ ...base, origin: "https://console.example" }), { PUBLIC_URL: "https://console.example/" })).toBeNull();
  });
});

describe("nestingDepth", () => {
  it("counts brackets outside strings", () => {
    expect(nestingDepth('[{"a":[1,2]}]')).toBe(3);
    expect(nestingDepth('["[[[[[[", "\\"[[["]')).toBe(1);
    expect(nestingDepth("[".repeat(10_000))).toBe(65);
  });
});
