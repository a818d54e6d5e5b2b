// Sticky bucketing of (flag key, unit id) into 10 000 buckets, identical to the
// SQL function public.flag_bucket (FNV-1a 32 over the UTF-8 bytes of
// "key:unit", then a small mix). Plain TypeScript with no imports, so the
// rollout client can share it. A unit is "on" when bucket < rollout_bps, so
// raising the percentage only adds units and lowering it only removes them.

export const BUCKETS = 10_000;
const FNV_OFFSET = 2166136261;
const FNV_PRIME = 16777619;

/** FNV-1a state after feeding the UTF-8 bytes of `s` into state `h`. */
export function fnvFeed(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      h = Math.imul(h ^ c, FNV_PRIME);
      continue;
    }
    // UTF-8 encode (lone surrogates become U+FFFD, as they do on their way to Postgres).
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else c = 0xfffd;
    } else if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd;
    if (c < 0x800) {
      h = Math.imul(h ^ (0xc0 | (c >> 6)), FNV_PRIME);
    } else if (c < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (c >> 12)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
    } else {
      h = Math.imul(h ^ (0xf0 | (c >> 18)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 12) & 0x3f)), FNV_PRIME);
      h = Math.imul(h ^ (0x80 | ((c >> 6) & 0x3f)), FNV_PRIME);
    }
    h = Math.imul(h ^ (0x80 | (c & 0x3f)), FNV_PRIME);
  }
  return h;
}

/** The hash state after "key:" — precompute it once per flag, then `bucketFrom` per unit. */
export function flagSeed(flagKey: string): number {
  return fnvFeed(FNV_OFFSET, flagKey + ":");
}

/** Bucket 0..9999 of a unit, continuing from a flag's seed. */
export function bucketFrom(seed: number, unitId: string): number {
  // ASCII fast path inline (unit ids are usually UUIDs or numbers); anything else
  // goes through the UTF-8 encoder from the start.
  let h = seed;
  const n = unitId.length;
  for (let i = 0; i < n; i++) {
    const c = unitId.charCodeAt(i);
    if (c >= 0x80) {
      h = fnvFeed(seed, unitId);
      break;
    }
    h = Math.imul(h ^ c, FNV_PRIME);
  }
  h >>>= 0;
  h = (h ^ (h >>> 15)) >>> 0;
  h = Math.imul(h, FNV_PRIME) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  return h % BUCKETS;
}

export function flagBucket(flagKey: string, unitId: string): number {
  return bucketFrom(flagSeed(flagKey), unitId);
}

/** Whether a unit is inside a rollout of `bps` hundredths of a percent. */
export function inRollout(flagKey: string, unitId: string, bps: number): boolean {
  if (bps >= BUCKETS) return true;
  if (bps <= 0) return false;
  return flagBucket(flagKey, unitId) < bps;
}
