// npm run worker — the background worker alone (graphile-worker), for deployments
// that run it as its own process. `npm run dev` / `npm start` start it too.
import { startWorker } from "../lib/jobs/runner";
import { taskList } from "../lib/jobs/tasks";
import { resolveDevDatabase } from "./lib/dev-database";

// WORKER_TASKS=a,b: run only these tasks (other jobs are left to other workers).
const tasks = process.env.WORKER_TASKS?.split(",").map((t) => t.trim()).filter(Boolean);
const unknown = (tasks ?? []).filter((t) => !(t in taskList));
if (unknown.length || (tasks && tasks.length === 0)) {
  console.error(`WORKER_TASKS: unknown or no task(s) ${unknown.join(", ")}; known: ${Object.keys(taskList).join(", ")}`);
  process.exit(2);
}

const db = await resolveDevDatabase((m) => console.log(m));
const worker = await startWorker(db.url, { log: (m) => console.log(`[worker] ${m}`), tasks });
console.log(`[worker] started: ${(tasks ?? Object.keys(taskList)).join(", ")}`);

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
