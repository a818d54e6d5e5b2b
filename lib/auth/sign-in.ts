import "server-only";
import bcrypt from "bcryptjs";
import { asService } from "@/lib/db";

// A valid bcrypt hash of a random string: compared against when the email is
// unknown, so an unknown email costs the same time as a wrong password.
const DUMMY_HASH = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.gn6xEh4Bv9CyPkfHZEvDMmp0W1AK";

export const FREE_ATTEMPTS = 5;
const WINDOW_MINUTES = 15;
const MAX_DELAY_SECONDS = 300;

export type SignInResult =
  | { ok: true; user: { id: string; email: string } }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/** Seconds the next attempt must wait after `failures` consecutive failures. */
export function backoffSeconds(failures: number): number {
  if (failures < FREE_ATTEMPTS) return 0;
  return Math.min(MAX_DELAY_SECONDS, 2 ** (failures - FREE_ATTEMPTS + 1));
}

export async function checkPassword(emailInput: string, password: string): Promise<SignInResult> {
  const email = emailInput.trim().toLowerCase();
  const key = `email:${email}`;
  return asService(async (tx) => {
    const [attempt] = await tx<{ failures: number; elapsed: number }[]>`
      select failures, extract(epoch from (now() - last_failure_at))::float8 as elapsed
      from app_private.sign_in_failures
      where key = ${key} and last_failure_at > now() - make_interval(mins => ${WINDOW_MINUTES})`;
    const failures = attempt?.failures ?? 0;
    if (attempt) {
      const needed = backoffSeconds(failures);
      const remaining = Math.ceil(needed - attempt.elapsed);
      if (needed > 0 && remaining > 0) return { ok: false, reason: "throttled", retryAfterSeconds: remaining };
    }
    const [user] = await tx<{ id: string; email: string; encrypted_password: string | null }[]>`
      select id, email, encrypted_password from auth.users where lower(email) = ${email} limit 1`;
    const valid = await bcrypt.compare(password, user?.encrypted_password ?? DUMMY_HASH);
    if (!user || !user.encrypted_password || !valid) {
      await tx`
        insert into app_private.sign_in_failures (key, failures, last_failure_at) values (${key}, 1, now())
        on conflict (key) do update set
          failures = case when app_private.sign_in_failures.last_failure_at > now() - make_interval(mins => ${WINDOW_MINUTES})
                          then app_private.sign_in_failures.failures + 1 else 1 end,
          last_failure_at = now()`;
      return { ok: false, reason: "invalid" };
    }
    await tx`delete from app_private.sign_in_failures where key = ${key}`;
    await tx`update auth.users set last_sign_in_at = now() where id = ${user.id}`;
    return { ok: true, user: { id: user.id, email: user.email } };
  });
}
