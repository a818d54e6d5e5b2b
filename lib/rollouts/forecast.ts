// What a failing or inconclusive gate check is missing, and when it should pass
// at the current sample rate. Pure: the gate report (any extra fields are
// ignored, unknown checks get a generic answer) plus samples per minute per
// variant over the last hour.

export interface SampleRate {
  /** latency samples per minute over the last hour */
  old: number;
  new: number;
}

export interface CheckLike {
  check: string;
  status: string;
  observed?: unknown;
  threshold?: unknown;
  observed_old?: unknown;
  observed_new?: unknown;
}

export interface Forecast {
  /** what is missing, in words */
  missing: string;
  /** when it should pass: an ISO time, or null when waiting alone will not make it pass / cannot be told */
  eta: string | null;
  /** minutes from now until eta (null with it) */
  minutes?: number | null;
  /** why there is no eta, or how the eta was made */
  note: string;
}

const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : typeof v === "string" && v.trim() !== "" && Number.isFinite(Number(v)) ? Number(v) : null);
const fmtInt = (n: number) => Math.ceil(n).toLocaleString("en-US");

export function formatDuration(minutes: number): string {
  if (minutes < 1) return "under a minute";
  if (minutes < 90) return `${Math.ceil(minutes)} min`;
  if (minutes < 48 * 60) return `${(minutes / 60).toFixed(minutes < 600 ? 1 : 0)} h`;
  return `${(minutes / 1440).toFixed(1)} days`;
}

const at = (now: Date, minutes: number) => new Date(now.getTime() + Math.ceil(minutes * 60_000)).toISOString();

export function forecastCheck(c: CheckLike, rate: SampleRate | null, now: Date = new Date()): Forecast | null {
  const f = judge(c, rate, now);
  return f && { ...f, minutes: f.eta === null ? null : Math.max(0, (Date.parse(f.eta) - now.getTime()) / 60_000) };
}

function judge(c: CheckLike, rate: SampleRate | null, now: Date): Forecast | null {
  if (c.status === "pass") return null;
  const observed = num(c.observed);
  const threshold = num(c.threshold);
  switch (c.check) {
    case "soak_time": {
      if (observed === null || threshold === null) break;
      const left = Math.max(0, threshold - observed);
      return { missing: `${formatDuration(left)} more at this stage`, eta: at(now, left), note: "soak time only needs waiting" };
    }
    case "min_samples": {
      if (threshold === null) break;
      const o = num(c.observed_old) ?? observed ?? 0;
      const n = num(c.observed_new) ?? observed ?? 0;
      const needOld = Math.max(0, threshold - o);
      const needNew = Math.max(0, threshold - n);
      const parts = [needOld > 0 ? `${fmtInt(needOld)} old` : null, needNew > 0 ? `${fmtInt(needNew)} new` : null].filter(Boolean);
      const missing = `${parts.join(" and ")} sample${needOld + needNew === 1 ? "" : "s"} missing`;
      if (!rate) return { missing, eta: null, note: "sample rate unknown" };
      const stalled = (needOld > 0 && rate.old <= 0) || (needNew > 0 && rate.new <= 0);
      if (stalled) return { missing, eta: null, note: `no ${needOld > 0 && rate.old <= 0 ? "old" : "new"} samples arrived in the last hour: it will not pass until traffic resumes` };
      const minutes = Math.max(needOld > 0 ? needOld / rate.old : 0, needNew > 0 ? needNew / rate.new : 0);
      return { missing, eta: at(now, minutes), note: `at ${rateText(rate)}` };
    }
    case "error_rate":
    case "p95_ratio": {
      if (c.status === "no_data" || c.status === "inconclusive" || observed === null) {
        const stalled = rate !== null && (rate.new <= 0 || (c.check === "p95_ratio" && rate.old <= 0));
        return {
          missing: c.check === "p95_ratio" ? "latency samples of both variants" : "error samples of the new variant",
          eta: stalled || rate === null ? null : at(now, 1),
          note: stalled ? "no samples arrived in the last hour" : rate === null ? "sample rate unknown" : "decided with the next samples",
        };
      }
      return {
        missing: c.check === "p95_ratio" ? `p95 ratio ${observed} must fall to ${threshold ?? "the limit"}` : `error rate ${(observed * 100).toFixed(2)} % must fall to ${threshold === null ? "the limit" : `${(threshold * 100).toFixed(2)} %`}`,
        eta: null,
        note: "waiting alone will not make it pass: the new variant must improve",
      };
    }
    case "negative_feedback":
      return { missing: `${observed ?? "?"} complaints and bad ratings, limit ${threshold ?? "?"}`, eta: null, note: "they count until they are older than the gate's 7-day window" };
    case "open_critical_alerts":
      return { missing: `${observed ?? "?"} open critical alert${observed === 1 ? "" : "s"} to resolve`, eta: null, note: "resolve them on the Alerts page" };
  }
  if (c.status === "no_data" || c.status === "inconclusive") {
    return { missing: "more data", eta: null, note: rate && (rate.old > 0 || rate.new > 0) ? `samples are arriving at ${rateText(rate)}` : "no samples arrived in the last hour" };
  }
  return { missing: observed !== null && threshold !== null ? `${observed} against a limit of ${threshold}` : "the check fails", eta: null, note: "waiting alone will not make it pass" };
}

function rateText(r: SampleRate): string {
  const f = (v: number) => (v >= 10 ? Math.round(v).toLocaleString("en-US") : v.toFixed(1));
  return `${f(r.old)} old / ${f(r.new)} new samples per minute`;
}

/** The latest eta over every failing check, or null when any of them cannot pass by waiting. */
export function forecastGate(checks: CheckLike[], rate: SampleRate | null, now: Date = new Date()): { eta: string | null; minutes: number | null; blockedByWaiting: boolean } {
  let eta: string | null = null;
  for (const c of checks) {
    const f = forecastCheck(c, rate, now);
    if (!f) continue;
    if (f.eta === null) return { eta: null, minutes: null, blockedByWaiting: true };
    if (eta === null || f.eta > eta) eta = f.eta;
  }
  return { eta, minutes: eta === null ? null : Math.max(0, (Date.parse(eta) - now.getTime()) / 60_000), blockedByWaiting: false };
}
