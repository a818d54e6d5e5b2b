// graphile-worker task list and schedule. Each task is idempotent: jobs run at
// least once, so a retried job must not double its effect.
import type { TaskList } from "graphile-worker";
import { deliverNotification } from "./deliver-notification";
import { guardrailSweep } from "./guardrail-sweep";
import { planTick } from "./plan-tick";
import { prometheusQuery } from "./prometheus-query";
import { TELEMETRY_CRONTAB, telemetryTasks } from "./telemetry-tasks";

export const taskList: TaskList = {
  deliver_notification: deliverNotification,
  guardrail_sweep: guardrailSweep,
  plan_tick: planTick,
  prometheus_query: prometheusQuery,
  ...telemetryTasks,
};

// Every minute a sweep and a tick of every running rollout plan (graphile-worker's
// cron runs each once per minute across all worker instances; plan commands also
// queue a tick of their plan at once), the Prometheus sources that are due (each at
// its own interval), plus the telemetry housekeeping.
export const crontab = ["* * * * * guardrail_sweep ?max=1", "* * * * * plan_tick ?max=1", "* * * * * prometheus_query ?max=1", TELEMETRY_CRONTAB].join("\n");
