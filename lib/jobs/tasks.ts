// graphile-worker task list and schedule. Each task is idempotent: jobs run at
// least once, so a retried job must not double its effect.
import type { TaskList } from "graphile-worker";
import { deliverNotification } from "./deliver-notification";
import { guardrailSweep } from "./guardrail-sweep";
import { TELEMETRY_CRONTAB, telemetryTasks } from "./telemetry-tasks";

export const taskList: TaskList = {
  deliver_notification: deliverNotification,
  guardrail_sweep: guardrailSweep,
  ...telemetryTasks,
};

// Every minute a sweep (jobKey-free cron: graphile-worker's cron runs it once per
// tick across all worker instances), plus the telemetry housekeeping.
export const crontab = ["* * * * * guardrail_sweep ?max=1", TELEMETRY_CRONTAB].join("\n");
