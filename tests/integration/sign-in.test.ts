import { afterAll, describe, expect, it } from "vitest";
import bcrypt from "bcryptjs";
import { randomUUID } from "node:crypto";
import { checkPassword, FREE_ATTEMPTS } from "../../lib/auth/sign-in";
import { closeDb, db } from "../helpers/db";
import { upsertAuthUser } from "../../lib/seed/users";

// Local-mode sign-in against auth.users.encrypted_password, as GoTrue stores it.
afterAll(closeDb);

async function user(password: string) {
  const email = `signin-${randomUUID().slice(0, 8)}@test.example`;
  await upsertAuthUser(db(), { email, encryptedPassword: await bcrypt.hash(password, 4) });
  return email;
}

describe("local sign-in", () => {
  it("accepts the right password (email case-insensitive) and refuses a wrong one", async () => {
    const email = await user("correct horse");
    expect(await checkPassword(email.toUpperCase(), "correct horse")).toMatchObject({ ok: true, user: { email } });
    expect(await checkPassword(email, "wrong")).toEqual({ ok: false, reason: "invalid" });
  });

  it("answers an unknown email exactly like a wrong password", async () => {
    expect(await checkPassword(`nobody-${randomUUID()}@test.example`, "whatever")).toEqual({ ok: false, reason: "invalid" });
  });

  it("slows down repeated failures, refusing even the right password until the wait is over", async () => {
    const email = await user("s3cret-pass");
    for (let i = 0; i < FREE_ATTEMPTS; i++) expect((await checkPassword(email, "nope")).ok).toBe(false);
    const throttled = await checkPassword(email, "s3cret-pass");
    expect(throttled).toMatchObject({ ok: false, reason: "throttled" });
    expect((throttled as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    // The wait passes (moved back in time), then the right password works and resets the counter.
    await db()`update app_private.sign_in_failures set last_failure_at = now() - interval '10 minutes' where key = ${"email:" + email}`;
    expect(await checkPassword(email, "s3cret-pass")).toMatchObject({ ok: true });
    const [{ n }] = await db()`select count(*)::int as n from app_private.sign_in_failures where key = ${"email:" + email}`;
    expect(n).toBe(0);
  });

  it("throttles per email: another user is not affected", async () => {
    const a = await user("aaaaaaaa");
    const b = await user("bbbbbbbb");
    for (let i = 0; i < FREE_ATTEMPTS + 1; i++) await checkPassword(a, "nope");
    expect(await checkPassword(b, "bbbbbbbb")).toMatchObject({ ok: true });
  });
});
