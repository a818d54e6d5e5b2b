import type { Task } from "graphile-worker";

// The periodic sweep: guardrails for every rollout with recent telemetry, feedback
// or an open alert. Ingest also evaluates right after each batch; this catches
// the rest (alerts to resolve, feedback-only breaches, data sent around the API).
export const guardrailSweep: Task = async (_payload, helpers) => {
  const { rows } = await helpers.withPgClient((client) => client.query<{ r: Record<string, number> }>("select public.run_guardrail_sweep() as r"));
  const r = rows[0]?.r;
  if (r && (r.breaches || r.rollbacks || r.resolved)) helpers.logger.info(`guardrail sweep: ${JSON.stringify(r)}`);
};
