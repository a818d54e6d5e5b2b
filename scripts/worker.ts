// npm run worker — the background worker alone (graphile-worker), for deployments
// that run it as its own process. `npm run dev` / `npm start` start it too.
import { run } from "graphile-worker";
import { taskList } from "../lib/jobs/tasks";
import { resolveDevDatabase } from "./lib/dev-database";

const { url, stop } = await resolveDevDatabase((m) => console.log(m));
const runner = await run({
  connectionString: url,
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 4),
  pollInterval: 1000,
  noHandleSignals: false,
  taskList,
});
console.log("worker started");
await runner.promise;
await stop();
