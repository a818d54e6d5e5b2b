import type { Task } from "graphile-worker";
import { z } from "zod";

const Payload = z.object({ planId: z.string().uuid().optional() }).strict();

// One tick of the rollout plans (public.run_plan_tick): every running plan on the
// schedule, or one plan right after a person approved, resumed, started or skipped,
// or after a telemetry batch for a workspace of its current step's cohort.
// The tick is idempotent and skips a plan another worker is ticking, so a retried
// or duplicated job never moves a workspace twice.
export const planTick: Task = async (payload, helpers) => {
  const parsed = Payload.safeParse(payload ?? {});
  const planId = parsed.success ? (parsed.data.planId ?? null) : null;
  const { rows } = await helpers.withPgClient((client) =>
    client.query<{ r: { plans: { plan: string; state: string; step: number; moved: number; waiting?: string }[] } }>(
      "select public.run_plan_tick($1::uuid) as r", [planId]));
  const moved = rows[0]?.r.plans.filter((p) => p.moved > 0 || p.state !== "running") ?? [];
  if (moved.length) helpers.logger.info(`plan tick: ${JSON.stringify(moved)}`);
};
