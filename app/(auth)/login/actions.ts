"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { text } from "@/lib/validation/text";
import { authMode, SESSION_COOKIE, SESSION_TTL_SECONDS } from "@/lib/auth/config";
import { signSession, verifySession } from "@/lib/auth/jwt";
import { getSession } from "@/lib/auth/session";
import { endAllSessions, endSession, startSession } from "@/lib/auth/sessions";
import { checkPassword } from "@/lib/auth/sign-in";
import { supabaseServerClient } from "@/lib/auth/supabase";
import { isUnavailable } from "@/lib/db";
import { requestLogger } from "@/lib/log";
import { clientAddress } from "@/lib/security/request";
import { safeNext } from "@/lib/security/safe-next";

const SignInSchema = z.object({
  email: z.email("Enter a valid email address").max(254),
  password: text().min(1, "Enter your password").max(200),
});

export interface SignInState {
  error?: string;
  email?: string;
}


export async function signIn(_prev: SignInState, form: FormData): Promise<SignInState> {
  const log = requestLogger((await headers()).get("x-request-id"));
  // Anyone can post to this action with any encoded arguments (not only the form):
  // without FormData, form.get would throw and the request would end in a 500.
  if (!(form instanceof FormData)) return { error: "Sign in with the form: email and password are required." };
  const parsed = SignInSchema.safeParse({ email: form.get("email"), password: form.get("password"), });
  const email = String(form.get("email") ?? "");
  if (!parsed.success) return { error: parsed.error.issues[0]?.message ?? "Invalid input", email };

  if (authMode() === "supabase") {
    const supabase = await supabaseServerClient();
    const { error } = await supabase.auth.signInWithPassword({ email: parsed.data.email, password: parsed.data.password });
    if (error) return { error: error.status === 429 ? "Too many attempts. Wait a minute and try again." : "Incorrect email or password.", email };
    redirect(safeNext(form.get("next")));
  }

  let result;
  try {
    result = await checkPassword(parsed.data.email, parsed.data.password, clientAddress(await headers()));
  } catch (e) {
    if (isUnavailable(e)) return { error: "The database is unreachable right now. Try again in a few seconds.", email };
    throw e;
  }
  if (!result.ok) {
    log.info({ reason: result.reason }, "sign-in refused");
    if (result.reason === "throttled") {
      return { error: `Too many failed attempts. Try again in ${result.retryAfterSeconds} s.`, email };
    }
    // Same message whether or not the email exists.
    return { error: "Incorrect email or password.", email };
  }
  const token = await signSession(result.user, await startSession(result.user.id));
  const store = await cookies();
  store.set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "lax",
    secure: process.env.NODE_ENV === "production" && process.env.INSECURE_COOKIES !== "true",
    path: "/",
    maxAge: SESSION_TTL_SECONDS,
  });
  log.info({ user: result.user.id }, "signed in");
  redirect(safeNext(form.get("next")));
}

/** Ends this session on the server (not just the cookie): the token is refused from now on. */
export async function signOut(): Promise<void> {
  if (authMode() === "supabase") {
    const supabase = await supabaseServerClient();
    await supabase.auth.signOut();
  } else {
    const store = await cookies();
    const claims = await verifySession(store.get(SESSION_COOKIE)?.value);
    if (claims) await endSession(claims);
    store.delete(SESSION_COOKIE);
  }
  redirect("/login");
}

/** Ends every session of the signed-in user, on every device, then this one. */
export async function signOutEverywhere(): Promise<void> {
  const session = await getSession().catch(() => null);
  if (session) {
    await endAllSessions(session.claims);
    if (authMode() === "supabase") await (await supabaseServerClient()).auth.signOut({ scope: "global" });
  }
  (await cookies()).delete(SESSION_COOKIE);
  redirect("/login");
}
