import path from "node:path";
import { defineConfig } from "vitest/config";
import { isPostgresWriteRace } from "./lib/db/postgres-race";

const alias = {
  "@": path.resolve(import.meta.dirname),
  // Next.js enforces server-only at build time; under Vitest it is a no-op.
  "server-only": path.resolve(import.meta.dirname, "tests/helpers/server-only.ts"),
};

export default defineConfig({
  resolve: { alias },
  test: {
    // The one known postgres.js race (lib/db/postgres-race.ts), which the edge-api
    // test provokes by cutting the database link mid-query; it is thrown outside any
    // test's promise and changes nothing asserted. Everything else fails the run.
    onUnhandledError(error) {
      if (isPostgresWriteRace(error)) return false;
    },
    projects: [
      {
        resolve: { alias },
        // Property tests run thousands of cases: on a busy 2-core machine 5 s is not enough.
        test: { name: "unit", include: ["lib/**/*.test.ts", "components/**/*.test.ts", "clients/**/*.test.ts"], environment: "node", testTimeout: 120_000 },
      },
      {
        resolve: { alias },
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          // Generous: a timeout here only catches hangs; the suite runs on a busy 2-core machine.
          testTimeout: 180_000,
          hookTimeout: 240_000,
          // Files share one database; each creates its own rows. Two workers fit 2 cores.
          maxWorkers: 2,
          globalSetup: ["tests/helpers/global-setup.ts"],
        },
      },
      {
        resolve: { alias },
        test: {
          // npm run test:faults: Postgres restarts, killed workers, two app instances.
          // Each file runs its own Postgres cluster and app processes, one file at a time.
          name: "faults",
          include: ["tests/faults/**/*.test.ts"],
          environment: "node",
          testTimeout: 240_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
