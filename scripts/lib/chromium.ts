// The e2e and fault suites drive Debian's Chromium (no browser downloads here).
// Before anything is built or started: find it, install it when running as root on
// Debian, or stop at once with the exact command to run.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

export function ensureChromium(log: (m: string) => void): string {
  const path = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
  if (existsSync(path)) return path;
  const install = "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium fonts-liberation";
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  if (root && existsSync("/usr/bin/apt-get") && !process.env.CHROMIUM_PATH) {
    log(`Chromium is not installed: ${install}`);
    const r = spawnSync("sh", ["-c", install], { stdio: "inherit" });
    if (r.status === 0 && existsSync(path)) return path;
  }
  console.error(`\nThe browser tests need Chromium at ${path}, and it is not there.\n` +
    `Install it with:\n  sudo sh -c '${install}'\nor point CHROMIUM_PATH at a Chromium binary.\n`);
  process.exit(2);
}
