// JSON text exactly as Postgres prints a jsonb value (jsonb::text): object keys
// ordered by byte length and then bytewise, ", " and ": " separators, strings
// escaped as Postgres's escape_json does. The state body is md5'd into the ETag,
// so the edge must produce the very text public.workspace_state produces for the
// same state: then one ETag is valid against the Next route and every edge replica.

export type JsonbValue = null | boolean | number | string | JsonbValue[] | { [key: string]: JsonbValue };

const utf8Len = (s: string) => Buffer.byteLength(s, "utf8");

/** jsonb's key order: shorter (in UTF-8 bytes) first, then by bytes. */
export function compareJsonbKeys(a: string, b: string): number {
  const la = utf8Len(a);
  const lb = utf8Len(b);
  if (la !== lb) return la - lb;
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

// Characters escape_json changes: " \ and controls below 0x20.
const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

export function jsonbString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === "\\") out += "\\\\";
    else if (c === 8) out += "\\b";
    else if (c === 12) out += "\\f";
    else if (c === 10) out += "\\n";
    else if (c === 13) out += "\\r";
    else if (c === 9) out += "\\t";
    else if (c < 0x20) out += "\\u" + c.toString(16).padStart(4, "0");
    else out += ch;
  }
  return out + '"';
}

/** For objects whose keys are known to be ASCII and already in jsonb order, callers may build text directly; this is the general path. */
export function jsonbText(v: JsonbValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error("jsonbText: only integers are used in state bodies");
    return String(v);
  }
  if (typeof v === "string") return jsonbString(v);
  if (Array.isArray(v)) return "[" + v.map(jsonbText).join(", ") + "]";
  const keys = Object.keys(v).sort(compareJsonbKeys);
  if (keys.length === 0) return "{}";
  return "{" + keys.map((k) => jsonbString(k) + ": " + jsonbText(v[k])).join(", ") + "}";
}
