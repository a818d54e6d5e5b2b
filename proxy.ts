import { createServerClient } from "@supabase/ssr";
import { NextResponse, type NextRequest } from "next/server";
import { authMode, SESSION_COOKIE } from "@/lib/auth/config";
import { verifySession } from "@/lib/auth/jwt";

// Runs before every page and API route: gives each request an id (logged by the
// handlers) and sends signed-out visitors of dashboard pages to sign-in. Pages and
// actions check the session again themselves; this is the first gate, not the only one.
export async function proxy(request: NextRequest) {
  const requestId = request.headers.get("x-request-id")?.slice(0, 64) || crypto.randomUUID();
  const forwarded = new Headers(request.headers);
  forwarded.set("x-request-id", requestId);
  const { pathname } = request.nextUrl;

  // A path that is not valid percent-encoded UTF-8 (e.g. /api/v1/workspaces/%C0%AF/state)
  // names nothing here, and Next's decoding of dynamic segments answers it with a 500.
  try {
    decodeURIComponent(pathname);
  } catch {
    return NextResponse.json(
      { error: { status: 400, message: "The URL path is not valid percent-encoded UTF-8" } },
      { status: 400, headers: { "x-request-id": requestId, "Cache-Control": "no-store" } },
    );
  }

  const isPublic = pathname === "/login" || pathname.startsWith("/api/");
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
      return redirect;
    }
  }
  response.headers.set("x-request-id", requestId);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|.*\\.(?:svg|png|ico|css|js)$).*)"],
};
