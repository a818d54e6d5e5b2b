import "server-only";
import bcrypt from "bcryptjs";
import { asService } from "@/lib/db";

// A valid bcrypt hash of a random string: compared against when the email is
// unknown, so an unknown email costs the same time as a wrong password.
const DUMMY_HASH = "$2b$10$CwTycUXWue0Thq9StjUM0uJ8.gn6xEh4Bv9CyPkfHZEvDMmp0W1AK";

/** Failures of one email from one client before waits begin. */
export const FREE_ATTEMPTS = 5;
/** Failures from one client, over all emails, before waits begin. */
export const FREE_CLIENT_ATTEMPTS = 20;
const WINDOW_MINUTES = 15;
const MAX_DELAY_SECONDS = 300;

export type SignInResult =
  | { ok: true; user: { id: string; email: string } }
  | { ok: false; reason: "invalid" }
  | { ok: false; reason: "throttled"; retryAfterSeconds: number };

/** Seconds the next attempt must wait after `failures` consecutive failures. */
export function backoffSeconds(failures: number, free = FREE_ATTEMPTS): number {
  if (failures < free) return 0;
  return Math.min(MAX_DELAY_SECONDS, 2 ** (failures - free + 1));
}

/**
 * Throttling keys: failures are counted per (email, client) and per client, and a
 * wait is imposed only on the client that failed. Nobody can lock a user out from
 * elsewhere: strangers' failures never count against the real user's own client.
 * `client` is the remote address (lib/security/request.ts clientAddress).
 */
export function throttleKeys(email: string, client: string): { pair: string; client: string } {
  return { pair: `email-client:${email}|${client}`, client: `client:${client}` };
}

export async function checkPassword(emailInput: string, password: string, client = "unknown"): Promise<SignInResult> {
  const email = emailInput.trim().toLowerCase();
  const keys = throttleKeys(email, client);
  return asService(async (tx) => {
    const attempts = await tx<{ key: string; failures: number; elapsed: number }[]>`
      select key, failures, extract(epoch from (now() - last_failure_at))::float8 as elapsed
      from app_private.sign_in_failures
      where key in (${keys.pair}, ${keys.client}) and last_failure_at > now() - make_interval(mins => ${WINDOW_MINUTES})`;
    let wait = 0;
    for (const a of attempts) {
      const needed = backoffSeconds(a.failures, a.key === keys.client ? FREE_CLIENT_ATTEMPTS : FREE_ATTEMPTS);
      wait = Math.max(wait, Math.ceil(needed - a.elapsed));
    }
    if (wait > 0) return { ok: false, reason: "throttled", retryAfterSeconds: wait };
    const [user] = await tx<{ id: string; email: string; encrypted_password: string | null }[]>`
      select id, email, encrypted_password from auth.users where lower(email) = ${email} limit 1`;
    const valid = await bcrypt.compare(password, user?.encrypted_password ?? DUMMY_HASH);
    if (!user || !user.encrypted_password || !valid) {
      await tx`
        insert into app_private.sign_in_failures (key, failures, last_failure_at)
        select k, 1, now() from unnest(${[keys.pair, keys.client]}::text[]) k
        on conflict (key) do update set
          failures = case when app_private.sign_in_failures.last_failure_at > now() - make_interval(mins => ${WINDOW_MINUTES})
                          then app_private.sign_in_failures.failures + 1 else 1 end,
          last_failure_at = now()`;
      return { ok: false, reason: "invalid" };
    }
    // Success clears this email's count from this client; the client's own count
    // stays (a guesser with one valid account must not reset it by signing in).
    await tx`delete from app_private.sign_in_failures where key = ${keys.pair}`;
    await tx`update auth.users set last_sign_in_at = now() where id = ${user.id}`;
    return { ok: true, user: { id: user.id, email: user.email } };
  });
}
