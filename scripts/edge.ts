// npm run edge — the edge server alone: state, flags, SSE and OFREP for the
// user's services, from memory, kept current by Postgres LISTEN/NOTIFY.
// Stateless: run as many as traffic needs behind a load balancer, all on one
// DATABASE_URL. `npm run dev` / `npm start` start one on EDGE_PORT (default 3001).
import { isPostgresWriteRace } from "../lib/db/postgres-race";
import { log } from "../lib/log";
import { edgeOptionsFromEnv, startEdge } from "../lib/edge/main";
import { resolveDevDatabase } from "./lib/dev-database";

// A lost database connection must never take the process down: it answers from memory.
process.on("unhandledRejection", (e) => log.warn({ err: e, component: "edge" }, "edge: unhandled rejection"));
process.on("uncaughtException", (e) => {
  if (isPostgresWriteRace(e)) return log.warn({ err: e, component: "edge" }, "edge: a write on a closed database connection (it reconnects)");
  log.fatal({ err: e, component: "edge" }, "edge: uncaught exception");
  process.exit(1);
});

const db = await resolveDevDatabase((m) => console.log(`[edge] ${m}`));
const edge = await startEdge({
  databaseUrl: db.url,
  ...edgeOptionsFromEnv(),
  log: (msg, extra) => log.warn({ ...extra, component: "edge" }, msg),
});
console.log(`[edge] serving ${edge.cache.compiled.size} workspaces on ${edge.url}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await edge.stop();
  await db.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
