import "server-only";
import { headers } from "next/headers";
import { z } from "zod";
import { getSession, roleAtLeast, type Session } from "@/lib/auth/session";
import { isUnavailable } from "@/lib/db";
import type { MemberRole } from "@/lib/db/types";
import { requestLogger } from "@/lib/log";

/** One result shape for every server action. */
export type ActionResult<T> = { data: T } | { error: string; fieldErrors?: Record<string, string[]> };

/** An error whose message is safe and useful to show the user. */
export { ExpectedError } from "@/lib/errors";
import { ExpectedError } from "@/lib/errors";

export interface ActionContext {
  session: Session;
  requestId: string;
  log: ReturnType<typeof requestLogger>;
}

const ROLE_WORDS: Record<MemberRole, string> = { viewer: "a viewer", operator: "an operator", admin: "an admin" };

/**
 * The authenticated action client: every server action is built with it, so each
 * one validates its input with zod, checks the caller's role, maps database errors
 * to plain words and logs with the request id. Authorization against the record
 * itself happens in SQL (RLS and role-checked functions), on the server's data.
 */
export function defineAction<S extends z.ZodType, T>(
  opts: { name: string; schema: S; role: MemberRole },
  handler: (input: z.infer<S>, ctx: ActionContext) => Promise<T>,
): (input: z.input<S>) => Promise<ActionResult<T>> {
  return async (raw) => {
    const h = await headers();
    const requestId = h.get("x-request-id") ?? crypto.randomUUID();
    const log = requestLogger(requestId).child({ action: opts.name });
    const session = await getSession().catch((e) => {
      if (isUnavailable(e)) return "unavailable" as const;
      throw e;
    });
    if (session === "unavailable") return { error: "The database is unreachable right now. Try again in a few seconds." };
    if (!session) return { error: "Your session has ended. Sign in again." };
    if (!roleAtLeast(session.role, opts.role)) {
      log.warn({ user: session.userId, role: session.role }, "action refused: role");
      return { error: `Not allowed: this needs ${ROLE_WORDS[opts.role]} role; you are ${session.role ? ROLE_WORDS[session.role] : "not a member"}.` };
    }
    const parsed = opts.schema.safeParse(raw);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first?.path.length ? `${first.path.join(".")}: ` : "";
      return { error: `Invalid input — ${where}${first?.message ?? "malformed"}`, fieldErrors: z.flattenError(parsed.error).fieldErrors as Record<string, string[]> };
    }
    try {
      const data = await handler(parsed.data, { session, requestId, log });
      log.info({ user: session.userId }, "action ok");
      return { data };
    } catch (e) {
      const mapped = mapError(e);
      if (mapped) {
        log.info({ user: session.userId, err: mapped }, "action refused");
        return { error: mapped };
      }
      log.error({ err: e, user: session.userId }, "action failed");
      return { error: `Something went wrong (reference ${requestId.slice(0, 8)}). It has been logged.` };
    }
  };
}

/** Database and domain errors that carry a message meant for the user. */
export function mapError(e: unknown): string | null {
  if (e instanceof ExpectedError) return e.message;
  const err = e as { code?: string; message?: string };
  if (isUnavailable(e)) return "The database is unreachable right now. Try again in a few seconds.";
  switch (err?.code) {
    case "P0001": // raise exception from our SQL functions: written for people
    case "23514": // check constraint
    case "23505": // unique violation
      return err.message ?? "Refused.";
    case "42501":
      return `Not allowed: ${err.message ?? "permission denied"}`;
    case "40001":
    case "40P01":
      return "Someone else changed this at the same moment. Reload and try again.";
    case "55P03":
      return "This record is busy (locked by another change). Try again.";
    default:
      return null;
  }
}
