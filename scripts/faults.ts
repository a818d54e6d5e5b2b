// npm run test:faults — the fault suite (tests/faults/): Postgres restarted under
// load, workers killed during deliveries and plan ticks, two app instances on one
// database, two workers ticking one plan.
// Each test file starts its own embedded Postgres cluster (own port and data dir
// under .data/) and its own `next start` / worker processes, and cleans them up.
// It needs a production build: the one in NEXT_DIST_DIR (default .next) is
// reused when present (e.g. after `npm run test:e2e`); otherwise it is built.
// Extra arguments go to vitest (e.g. a file name).
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { ROOT } from "./lib/embedded-db";

const distDir = process.env.NEXT_DIST_DIR ?? ".next";
const bin = (n: string) => path.join(ROOT, "node_modules", ".bin", n);

function run(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, NEXT_DIST_DIR: distDir }, stdio: "inherit" });
    c.on("exit", (code) => resolve(code ?? 1));
  });
}

if (!existsSync(path.join(ROOT, distDir, "BUILD_ID"))) {
  console.log(`[faults] no build in ${distDir}: building the app`);
  const code = await run(bin("next"), ["build"]);
  if (code !== 0) process.exit(code);
}
process.exit(await run(bin("vitest"), ["run", "--project", "faults", ...process.argv.slice(2)]));
