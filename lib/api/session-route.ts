import "server-only";
import { headers } from "next/headers";
import { getSession, type Session } from "@/lib/auth/session";
import { apiError, apiFailure } from "./http";

/**
 * For JSON routes the dashboard's own client components call: requires a signed-in
 * member (401/403 otherwise) and maps failures to 503/500 like the public API.
 */
export async function withSessionRoute(fn: (session: Session) => Promise<Response>): Promise<Response> {
  const requestId = (await headers()).get("x-request-id");
  try {
    const session = await getSession();
    if (!session) return apiError(401, "Sign in first");
    if (!session.role) return apiError(403, "Not a member of this console");
    return await fn(session);
  } catch (e) {
    return apiFailure(e, requestId);
  }
}
