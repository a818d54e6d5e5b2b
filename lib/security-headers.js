// Security headers. Plain JS so next.config.js can import it.
//
// The Content-Security-Policy is set per response by proxy.ts, with a fresh nonce:
// Next reads the nonce from the request's CSP header and puts it on its own inline
// bootstrap scripts, so no 'unsafe-inline' is needed for scripts. Styles keep
// 'unsafe-inline' (React style attributes; a style cannot run code).

/** @param {{ dev: boolean, nonce: string }} opts */
export function contentSecurityPolicy({ dev, nonce }) {
  return [
    "default-src 'self'",
    // 'strict-dynamic': scripts loaded by a nonced script (Next's chunks) may run; nothing inline without the nonce.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${process.env.NEXT_PUBLIC_SUPABASE_URL ? " " + process.env.NEXT_PUBLIC_SUPABASE_URL : ""}${dev ? " ws:" : ""}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "object-src 'none'",
  ].join("; ");
}

/** For responses that no proxy run reaches (static files): no script may run at all. */
export const STATIC_CSP = "default-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'";

/** Headers that are the same on every response (next.config.js applies them everywhere). */
export function securityHeaders() {
  return [
    { key: "X-Frame-Options", value: "DENY" },
    { key: "X-Content-Type-Options", value: "nosniff" },
    { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
    { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
  ];
}
