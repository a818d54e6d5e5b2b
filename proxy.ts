import { createServerClient } from "@supabase/ssr";
import { NextResponse, type NextRequest } from "next/server";
import { authMode, SESSION_COOKIE } from "@/lib/auth/config";
import { verifySession } from "@/lib/auth/jwt";
import { contentSecurityPolicy } from "@/lib/security-headers.js";
import { crossOriginProblem, MAX_ACTION_BYTES, MAX_ACTION_DEPTH, nestingDepth, requestOrigin, trustProxyHops } from "@/lib/security/request";

const DEV = process.env.NODE_ENV !== "production";
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function refuse(status: number, message: string, requestId: string, csp: string): NextResponse {
  return NextResponse.json(
    { error: { status, message } },
    { status, headers: { "x-request-id": requestId, "Cache-Control": "no-store", "Content-Security-Policy": csp } },
  );
}

/** Reads at most `limit` bytes of the body; null when it is longer. */
async function readCapped(request: NextRequest, limit: number): Promise<string | null> {
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(Buffer.concat(chunks));
}

// Runs before every page and API route: gives each request an id (logged by the
// handlers), sets a Content-Security-Policy with a fresh script nonce, refuses
// cross-origin, oversized or absurdly nested state-changing requests with a 4xx
// (Next would answer them with a 500), and sends signed-out visitors of dashboard
// pages to sign-in. Pages and actions check the session again themselves; this is
// the first gate, not the only one.
export async function proxy(request: NextRequest) {
  const requestId = /^[A-Za-z0-9_-]{1,64}$/.test(request.headers.get("x-request-id") ?? "") ? request.headers.get("x-request-id")! : crypto.randomUUID();
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const csp = contentSecurityPolicy({ dev: DEV, nonce });
  const forwarded = new Headers(request.headers);
  forwarded.set("x-request-id", requestId);
  // Next takes the nonce for its own inline scripts from the request's CSP header.
  forwarded.set("content-security-policy", csp);
  if (trustProxyHops() === 0) {
    // Without a trusted proxy, Next's own checks must not see client-sent forwarding
    // headers either (its server-action check compares Origin with X-Forwarded-Host).
    forwarded.delete("x-forwarded-host");
    forwarded.delete("x-forwarded-proto");
    forwarded.delete("forwarded");
  }
  const { pathname } = request.nextUrl;

  // A path that is not valid percent-encoded UTF-8 (e.g. /api/v1/workspaces/%C0%AF/state)
  // names nothing here, and Next's decoding of dynamic segments answers it with a 500.
  try {
    decodeURIComponent(pathname);
  } catch {
    return refuse(400, "The URL path is not valid percent-encoded UTF-8", requestId, csp);
  }

  // The token APIs (/api/v1/*, and OTLP's /v1/metrics) carry no cookies: exempt from
  // the browser checks below and public (each handler checks its ingest token).
  const tokenApi = pathname.startsWith("/api/v1/") || pathname === "/v1/metrics";
  // State-changing requests from browsers (server actions, form posts).
  if (!SAFE_METHODS.has(request.method) && !tokenApi) {
    const problem = crossOriginProblem(request.headers);
    if (problem) return refuse(403, `Cross-origin request refused: ${problem}; expected ${requestOrigin(request.headers) ?? "this console's origin"}`, requestId, csp);
    const declared = Number(request.headers.get("content-length") ?? "0");
    if (declared > MAX_ACTION_BYTES) return refuse(413, `The request body is over ${MAX_ACTION_BYTES / 1024} KiB`, requestId, csp);
    if (!pathname.startsWith("/api/")) {
      // Server actions: Next answers an over-limit or very deeply nested body with a 500.
      const body = await readCapped(request.clone() as NextRequest, MAX_ACTION_BYTES);
      if (body === null) return refuse(413, `The request body is over ${MAX_ACTION_BYTES / 1024} KiB`, requestId, csp);
      if (nestingDepth(body) > MAX_ACTION_DEPTH) return refuse(400, `The request body is nested more than ${MAX_ACTION_DEPTH} levels deep`, requestId, csp);
    }
  }

  const isPublic = pathname === "/login" || pathname.startsWith("/api/") || tokenApi;
  let response = NextResponse.next({ request: { headers: forwarded } });

  if (!isPublic) {
    let signedIn = false;
    if (authMode() === "supabase") {
      const supabase = createServerClient(process.env.NEXT_PUBLIC_SUPABASE_URL!, process.env.NEXT_PUBLIC_SUPABASE_ANON_KEY!, {
        cookies: {
          getAll: () => request.cookies.getAll(),
          setAll: (list) => {
            for (const { name, value } of list) request.cookies.set(name, value);
            response = NextResponse.next({ request: { headers: forwarded } });
            for (const { name, value, options } of list) response.cookies.set(name, value, options);
          },
        },
      });
      const { data } = await supabase.auth.getClaims();
      signedIn = Boolean(data?.claims?.sub);
    } else {
      signedIn = (await verifySession(request.cookies.get(SESSION_COOKIE)?.value)) !== null;
    }
    if (!signedIn) {
      const url = request.nextUrl.clone();
      url.pathname = "/login";
      url.search = pathname === "/" ? "" : `?next=${encodeURIComponent(pathname + request.nextUrl.search)}`;
      const redirect = NextResponse.redirect(url);
      redirect.headers.set("x-request-id", requestId);
      redirect.headers.set("Content-Security-Policy", csp);
      return redirect;
    }
  }
  response.headers.set("x-request-id", requestId);
  response.headers.set("Content-Security-Policy", csp);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|.*\\.(?:svg|png|ico|css|js)$).*)"],
};
