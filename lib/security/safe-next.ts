// Where to go after sign-in. `next` comes from the query string, so anyone can
// craft it: it is resolved with the URL parser against our own origin (the parser
// drops tabs and newlines and treats "\" as "/", exactly as browsers do), and only
// a path on that same origin is kept. Anything else — another origin, a scheme, a
// string the parser refuses, control or non-ASCII characters that would make the
// redirect header invalid — becomes "/". Never throws.
const BASE = "https://console.invalid";

export function safeNext(next: unknown): string {
  if (typeof next !== "string" || next.length === 0 || next.length > 500) return "/";
  // Control characters (incl. CR/LF, tab, NUL) and anything outside printable ASCII
  // are refused outright rather than "cleaned": what the user sees must be what runs.
  if (!/^[\x21-\x7e]+$/.test(next)) return "/";
  if (!next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  let url: URL;
  try {
    url = new URL(next, BASE);
  } catch {
    return "/";
  }
  if (url.origin !== BASE) return "/";
  const path = `${url.pathname}${url.search}${url.hash}`;
  // The parser may normalise "/./x" or "/%2e%2e/" — still same-origin; but a path that
  // re-serialises to something starting with "//" would be protocol-relative.
  if (!path.startsWith("/") || path.startsWith("//") || path.startsWith("/\\")) return "/";
  return path;
}
