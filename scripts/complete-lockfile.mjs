// The npm registry mirror reachable here lacks some other-platform binaries
// (e.g. @next/swc-darwin-arm64), so `npm install` leaves them out of
// package-lock.json and `npm ci` then refuses the lock as out of sync.
// This records each missing optional platform package with the os/cpu it
// targets, so `npm ci` skips it on every platform it does not belong to.
// Run after `npm install` changes dependencies: node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const pkgs = lock.packages;

const OSES = ["darwin", "win32", "linux", "freebsd", "android", "openharmony", "sunos", "aix", "netbsd", "openbsd"];
const CPUS = ["arm64", "x64", "ia32", "arm", "loong64", "ppc64", "riscv64", "s390x", "wasm32", "mips64el"];

function platformOf(name) {
  const base = name.split("/").pop();
  const parts = base.split("-");
  const os = OSES.find((o) => parts.includes(o));
  const cpu = CPUS.find((c) => parts.includes(c));
  const libc = /musl/.test(base) ? "musl" : /gnu/.test(base) ? "glibc" : undefined;
  return { os, cpu, libc };
}

let added = 0;
for (const [path, meta] of Object.entries(pkgs)) {
  for (const [dep, spec] of Object.entries(meta.optionalDependencies ?? {})) {
    const nested = `${path ? path + "/" : ""}node_modules/${dep}`;
    if (pkgs[nested] || pkgs[`node_modules/${dep}`]) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os && cpu !== "wasm32") continue; // not a platform binary: leave it to npm
    const entry = { version: String(spec).replace(/^[\^~=]/, ""), optional: true };
    if (cpu) entry.cpu = [cpu];
    entry.os = os ? [os] : ["none"];
    if (libc) entry.libc = [libc];
    pkgs[`node_modules/${dep}`] = entry;
    added++;
  }
}
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + "\n");
console.log(`complete-lockfile: recorded ${added} missing platform packages`);
