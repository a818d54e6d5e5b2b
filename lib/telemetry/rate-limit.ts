// Per-token request rate limit (token bucket), kept in this server process. With
// several app instances each enforces it on its own share of the traffic; the
// point is to stop one runaway sender from starving the database, not billing.
const buckets = new Map<string, { tokens: number; at: number }>();

export function rateLimitConfig() {
  const perSecond = Number(process.env.INGEST_RATE_LIMIT_PER_SEC ?? 100);
  const burst = Number(process.env.INGEST_RATE_LIMIT_BURST ?? perSecond * 2);
  return { perSecond, burst };
}

/** Takes one request from the token's budget: null when allowed, else seconds to wait. */
export function takeRequest(tokenId: string, now = Date.now()): number | null {
  const { perSecond, burst } = rateLimitConfig();
  const b = buckets.get(tokenId) ?? { tokens: burst, at: now };
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * perSecond);
  b.at = now;
  buckets.set(tokenId, b);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return null;
  }
  return Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
}

/** Forgets every bucket (tests). */
export function resetRateLimits() {
  buckets.clear();
}
