import { afterAll, describe, expect, it } from "vitest";
import bcrypt from "bcryptjs";
import { randomUUID } from "node:crypto";
import { checkPassword, FREE_ATTEMPTS, FREE_CLIENT_ATTEMPTS, throttleKeys } from "../../lib/auth/sign-in";
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

  it("slows down repeated failures from one client, refusing even the right password there until the wait is over", async () => {
    const email = await user("s3cret-pass");
    const client = `198.51.100.${Math.floor(Math.random() * 250)}-${randomUUID().slice(0, 4)}`;
    for (let i = 0; i < FREE_ATTEMPTS; i++) expect((await checkPassword(email, "nope", client)).ok).toBe(false);
    const throttled = await checkPassword(email, "s3cret-pass", client);
    expect(throttled).toMatchObject({ ok: false, reason: "throttled" });
    expect((throttled as { retryAfterSeconds: number }).retryAfterSeconds).toBeGreaterThan(0);
    // The wait passes (moved back in time), then the right password works and resets the pair's counter.
    const keys = throttleKeys(email, client);
    await db()`update app_private.sign_in_failures set last_failure_at = now() - interval '10 minutes' where key = ${keys.pair}`;
    expect(await checkPassword(email, "s3cret-pass", client)).toMatchObject({ ok: true });
    const [{ n }] = await db()`select count(*)::int as n from app_private.sign_in_failures where key = ${keys.pair}`;
    expect(n).toBe(0);
  });

  it("strangers cannot lock a user out: another client's failures never block the real user's client", async () => {
    const email = await user("real-users-pass");
    const attacker = `attacker-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < FREE_ATTEMPTS + 5; i++) await checkPassword(email, "guess", attacker);
    expect(await checkPassword(email, "real-users-pass", attacker)).toMatchObject({ ok: false, reason: "throttled" });
    // One request per window from the attacker keeps nothing blocked for the user.
    expect(await checkPassword(email, "real-users-pass", `user-${randomUUID().slice(0, 8)}`)).toMatchObject({ ok: true });
  });

  it("slows one client guessing many emails (per-client limit)", async () => {
    const client = `sprayer-${randomUUID().slice(0, 8)}`;
    const emails = await Promise.all(Array.from({ length: 3 }, () => user("pw-pw-pw-pw")));
    for (let i = 0; i < FREE_CLIENT_ATTEMPTS; i++) await checkPassword(`nobody-${i}-${randomUUID().slice(0, 6)}@test.example`, "guess", client);
    for (const e of emails) expect(await checkPassword(e, "pw-pw-pw-pw", client)).toMatchObject({ ok: false, reason: "throttled" });
    // Another client is not affected.
    expect(await checkPassword(emails[0], "pw-pw-pw-pw", `other-${randomUUID().slice(0, 8)}`)).toMatchObject({ ok: true });
  });

  it("throttles per email: another user is not affected", async () => {
    const a = await user("aaaaaaaa");
    const b = await user("bbbbbbbb");
    const client = `c-${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < FREE_ATTEMPTS + 1; i++) await checkPassword(a, "nope", client);
    expect(await checkPassword(b, "bbbbbbbb", client)).toMatchObject({ ok: true });
  });
});
