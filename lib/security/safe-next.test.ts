import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { safeNext } from "./safe-next";

const HOSTILE = [
  "//evil.example", "//evil.example/path", "/\\evil.example", "/\\/evil.example", "\\\\evil.example", "/\t/evil.example/path",
  "/\n/evil.example", "/\r\n/evil.example", "/%09/evil.example", "\t//evil.example", " //evil.example", "https://evil.example",
  "http:evil.example", "javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<script>alert(1)</script>", "/\u0000/evil.example",
  "/é", "/\u2028/evil", "/\ufeff/evil", "/\u3000/evil", "ftp://evil.example", "evil.example", "", " ", "/%5c/evil.example",
  "/path\r\nSet-Cookie: x=1", "/\u0085", "//%2fevil.example", "/.//evil.example", "/x/../..//evil.example", "@evil.example", "/@evil.example",
];

describe("safeNext", () => {
  it("keeps same-origin paths with their query and hash", () => {
    expect(safeNext("/workspaces/acme")).toBe("/workspaces/acme");
    expect(safeNext("/audit?q=x&source=flag")).toBe("/audit?q=x&source=flag");
    expect(safeNext("/flags#top")).toBe("/flags#top");
    expect(safeNext("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example"); // an encoded slash stays a path segment
  });

  it.each(HOSTILE)("never leaves the origin for %j", (next) => {
    const out = safeNext(next);
    expect(out.startsWith("/")).toBe(true);
    expect(new URL(out, "https://console.invalid").origin).toBe("https://console.invalid");
    expect(out).toMatch(/^[\x21-\x7e]+$/);
  });

  it("refuses non-strings and oversize values", () => {
    expect(safeNext(undefined)).toBe("/");
    expect(safeNext(42)).toBe("/");
    expect(safeNext("/" + "a".repeat(600))).toBe("/");
  });

  it("for any string, answers a same-origin path that a Location header can carry", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ maxLength: 40 }).map((s) => "/" + s), fc.constantFrom(...HOSTILE).chain((h) => fc.string({ maxLength: 5 }).map((s) => h + s))), (next) => {
        const out = safeNext(next);
        expect(out.startsWith("/") && !out.startsWith("//") && !out.startsWith("/\\")).toBe(true);
        expect(new URL(out, "https://console.invalid").origin).toBe("https://console.invalid");
        expect(new URL(out, "https://console.invalid").host).toBe("console.invalid");
        expect(out).toMatch(/^[\x21-\x7e]+$/);
      }),
      { numRuns: 500 },
    );
  }, 60_000);
});
