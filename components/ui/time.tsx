// Relative time, rendered on the server with the absolute time as a tooltip.
export function formatRelative(date: Date | string, now: Date = new Date()): string {
  const d = typeof date === "string" ? new Date(date) : date;
  const s = Math.round((now.getTime() - d.getTime()) / 1000);
  const abs = Math.abs(s);
  const suffix = s >= 0 ? "ago" : "from now";
  if (abs < 45) return s >= 0 ? "just now" : "in a moment";
  if (abs < 3600) return `${Math.round(abs / 60)} min ${suffix}`;
  if (abs < 86400) return `${Math.round(abs / 3600)} h ${suffix}`;
  if (abs < 86400 * 45) return `${Math.round(abs / 86400)} d ${suffix}`;
  return d.toISOString().slice(0, 10);
}

/**
 * "3 min ago". Inside a client component it renders twice, on the server and while
 * hydrating, possibly either side of a minute: the text may then differ, which is
 * expected (suppressHydrationWarning covers this element's own text only).
 */
export function RelativeTime({ date }: { date: Date | string }) {
  const d = typeof date === "string" ? new Date(date) : date;
  return (
    <time dateTime={d.toISOString()} title={d.toISOString().replace("T", " ").slice(0, 19) + " UTC"} suppressHydrationWarning>
      {formatRelative(d)}
    </time>
  );
}
