// graphile-worker task list. Each task is small and idempotent: jobs are
// delivered at least once, so a retried job must not double its effect.
import type { TaskList } from "graphile-worker";

export const taskList: TaskList = {
  // Placeholder-free: tasks are registered by the modules that own them.
};
