// Who is asking and from where, without trusting what a client may forge.
//
// X-Forwarded-* headers are trusted only when TRUST_PROXY says a proxy we run sits
// in front (TRUST_PROXY=<number of proxy hops>, or "true" for one). Without it the
// app uses the socket's address and the Host header; lib/security/forwarded-headers.mjs,
// preloaded by the start scripts, overwrites client-sent X-Forwarded-* with the
// socket's truth before Next sees the request.
// Pure functions over a Headers object, so the proxy and server code share them.

/** Number of trusted proxy hops (0 = none). */
export function trustProxyHops(env: Record<string, string | undefined> = process.env): number {
  const v = (env.TRUST_PROXY ?? "").trim().toLowerCase();
  if (v === "true" || v === "yes") return 1;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 10 ? n : 0;
}

function forwardedList(h: Headers, name: string): string[] {
  return (h.get(name) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/**
 * The client's address: with N trusted hops, the entry the outermost trusted proxy
 * appended (N-th from the right of X-Forwarded-For); without, the socket address
 * (the last entry, which the forwarded-headers preload sets).
 */
export function clientAddress(h: Headers, env: Record<string, string | undefined> = process.env): string {
  const list = forwardedList(h, "x-forwarded-for");
  const hops = trustProxyHops(env);
  const pick = hops > 0 ? list[Math.max(0, list.length - hops)] : list.at(-1);
  const addr = (pick ?? "").replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "").slice(0, 64);
  return /^[0-9a-f:.]+$/i.test(addr) ? addr.toLowerCase() : "unknown";
}

/** The origin (scheme://host[:port]) this request was addressed to, as far as we may trust. */
export function requestOrigin(h: Headers, env: Record<string, string | undefined> = process.env): string | null {
  const trusted = trustProxyHops(env) > 0;
  const host = (trusted ? forwardedList(h, "x-forwarded-host")[0] : null) ?? h.get("host");
  const proto = trusted ? (forwardedList(h, "x-forwarded-proto")[0] ?? "http") : "http";
  if (!host || !/^[A-Za-z0-9.:[\]-]+$/.test(host)) return null;
  return `${proto.toLowerCase()}://${host.toLowerCase()}`;
}

/** Origins a state-changing browser request may come from. */
export function allowedOrigins(h: Headers, env: Record<string, string | undefined> = process.env): string[] {
  const out: string[] = [];
  const own = requestOrigin(h, env);
  if (own) out.push(own);
  try {
    if (env.PUBLIC_URL) out.push(new URL(env.PUBLIC_URL).origin.toLowerCase());
  } catch {
    /* an invalid PUBLIC_URL adds nothing */
  }
  return out;
}

/**
 * Why a state-changing request (server action, form post) is cross-origin, or null
 * when it is not. Compares scheme, host and port. A request without Origin passes
 * only when Sec-Fetch-Site does not say it came from elsewhere (non-browser clients
 * carry no ambient cookies an attacker could borrow).
 */
export function crossOriginProblem(h: Headers, env: Record<string, string | undefined> = process.env): string | null {
  const origin = h.get("origin");
  if (!origin || origin === "null") {
    const site = h.get("sec-fetch-site");
    if (origin === "null" || site === "cross-site" || site === "same-site") return "a cross-origin request";
    return null;
  }
  let o: string;
  try {
    o = new URL(origin).origin.toLowerCase();
  } catch {
    return "an unreadable Origin";
  }
  return allowedOrigins(h, env).includes(o) ? null : `Origin ${o.slice(0, 100)} is not this console`;
}

export const MAX_ACTION_BYTES = 1024 * 1024;
export const MAX_ACTION_DEPTH = 64;

/** Deepest nesting of [ and { outside JSON strings (a cheap scan; never parses). */
export function nestingDepth(body: string, stopAt = MAX_ACTION_DEPTH + 1): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max && (max = depth) >= stopAt) return max;
    } else if (c === 93 || c === 125) depth = Math.max(0, depth - 1);
  }
  return max;
}
