import { SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { signSession, verifySession } from "./jwt";
import { backoffSeconds, FREE_ATTEMPTS } from "./sign-in";

beforeAll(() => {
  process.env.AUTH_SECRET = "test-secret-test-secret-test-secret-0123";
});

describe("local session tokens", () => {
  it("round-trips Supabase-shaped claims", async () => {
    const token = await signSession({ id: "8a1e0c5e-3b1f-4d7e-9a55-0c5b3f2d1e00", email: "op@example.com" });
    const claims = await verifySession(token);
    expect(claims).toMatchObject({ sub: "8a1e0c5e-3b1f-4d7e-9a55-0c5b3f2d1e00", email: "op@example.com", role: "authenticated", aud: "authenticated" });
    expect(claims!.exp! - claims!.iat!).toBe(8 * 3600);
  });

  it("refuses a tampered, foreign, expired or unsigned token", async () => {
    const token = await signSession({ id: "u1", email: "op@example.com" });
    const [h, p, s] = token.split(".");
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, "base64url").toString()), email: "admin@example.com" })).toString("base64url");
    expect(await verifySession(`${h}.${forged}.${s}`)).toBeNull();
    const other = await new SignJWT({ email: "x@example.com", role: "authenticated" }).setProtectedHeader({ alg: "HS256" }).setSubject("u1")
      .setAudience("authenticated").setIssuer("rollout-console").setIssuedAt().setExpirationTime("1h").sign(new TextEncoder().encode("another-secret-another-secret-012345"));
    expect(await verifySession(other)).toBeNull();
    const expired = await new SignJWT({ email: "x@example.com", role: "authenticated" }).setProtectedHeader({ alg: "HS256" }).setSubject("u1")
      .setAudience("authenticated").setIssuer("rollout-console").setIssuedAt(1_600_000_000).setExpirationTime(1_600_000_100).sign(new TextEncoder().encode(process.env.AUTH_SECRET));
    expect(await verifySession(expired)).toBeNull();
    const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`;
    expect(await verifySession(none)).toBeNull();
    expect(await verifySession(undefined)).toBeNull();
    expect(await verifySession("garbage")).toBeNull();
  });
});

describe("sign-in backoff", () => {
  it("allows a few attempts, then doubles the wait up to a cap", () => {
    expect(backoffSeconds(FREE_ATTEMPTS - 1)).toBe(0);
    expect(backoffSeconds(FREE_ATTEMPTS)).toBe(2);
    expect(backoffSeconds(FREE_ATTEMPTS + 1)).toBe(4);
    expect(backoffSeconds(FREE_ATTEMPTS + 3)).toBe(16);
    expect(backoffSeconds(100)).toBe(300);
    expect(backoffSeconds(19, 20)).toBe(0);
    expect(backoffSeconds(20, 20)).toBe(2);
  });
});
