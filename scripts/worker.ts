// npm run worker — the background worker alone (graphile-worker), for deployments
// that run it as its own process. `npm run dev` / `npm start` start it too.
import { startWorker } from "../lib/jobs/runner";
import { resolveDevDatabase } from "./lib/dev-database";

const db = await resolveDevDatabase((m) => console.log(m));
const worker = await startWorker(db.url, { log: (m) => console.log(`[worker] ${m}`) });
console.log("[worker] started: notifications, guardrail sweep, telemetry retention");

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await worker.stop();
  await db.stop();
  process.exit(0);
}
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
await worker.runner.promise;
