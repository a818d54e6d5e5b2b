// Secret-bearing values in audit records are shown redacted on every page and
// export: a Slack incoming-webhook URL is itself a credential (its path is the
// secret), as are signing secrets and token hashes. The database redacts new
// records as they are written (app_private.redact_secrets); this pass covers
// records written before that and anything a future writer forgets.

/** Keys whose value is a secret, whatever it holds. */
const SECRET_KEY = /^(secret|signing_secret|webhook_secret|token|token_hash|raw_token|password|encrypted_password|api_key|authorization|access_token|refresh_token)$/i;
/** Keys whose value is a URL that may carry a secret in its path or query. */
const URL_KEY = /(^|_)url$/i;

export const REDACTED = "[redacted]";

/** "https://hooks.slack.com/services/T0/B0/xyz?x=1" → "https://hooks.slack.com/…". */
export function redactUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol !== "http:" && u.protocol !== "https:") return REDACTED;
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return REDACTED;
  }
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>]+/gi;
const TOKEN_IN_TEXT = /\b(whsec_|rc_)[A-Za-z0-9_-]{8,}/g;

function redactText(s: string): string {
  return s.replace(URL_IN_TEXT, (m) => redactUrl(m)).replace(TOKEN_IN_TEXT, (_m, p: string) => `${p}${REDACTED}`);
}

/** A deep copy of `value` with secrets replaced. Cycles and depth are bounded. */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 32) return REDACTED;
  if (typeof value === "string") return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redactSecrets(v, depth + 1));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k)) out[k] = v === null ? null : REDACTED;
      else if (URL_KEY.test(k) && typeof v === "string") out[k] = redactUrl(v);
      else out[k] = redactSecrets(v, depth + 1);
    }
    return out;
  }
  return value;
}
