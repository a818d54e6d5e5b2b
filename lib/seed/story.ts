// The part of the demo that tells the story on first open: a workspace whose
// next gate passes beyond stage 1 (enough samples of both variants, healthy),
// an open alert from a recent automatic rollback, a migration mid-wave, and a
// running rollout plan that waits for an approval.
// Runs after the history and telemetry are seeded, through the same SQL the
// console uses (transitions, waves), so the logs read as if it really happened.
import type postgres from "postgres";
import { BulkLoader } from "../telemetry/bulk-load";
import { rng } from "./random";

type Sql = postgres.Sql<Record<string, unknown>>;
const HOUR = 3_600_000;

export interface Story {
  readyWorkspace: string | null;
  rolledBackWorkspace: string | null;
  waveMoved: number;
  plan: string | null;
}

export async function seedStory(sql: Sql, opts: { now?: Date } = {}): Promise<Story> {
  const now = (opts.now ?? new Date()).getTime();
  const r = rng(777);
  const story: Story = { readyWorkspace: null, rolledBackWorkspace: null, waveMoved: 0, plan: null };

  // 1. A green advance past stage 1: a soaked workspace that only lacks samples gets a healthy day of traffic.
  const candidates = await sql<{ ws: string; mig: string; slug: string; stage: number; minSamples: number }[]>`
    select r.workspace_id as ws, r.migration_id as mig, w.slug, r.stage, s.min_samples as "minSamples"
    from public.workspace_rollouts r
    join public.workspaces w on w.id = r.workspace_id
    join public.migrations m on m.id = r.migration_id
    join public.migration_stages s on s.migration_id = r.migration_id and s.position = r.stage + 1
    where r.stage >= 2 and r.status = 'active' and not w.is_canary
      and r.entered_at < now() - make_interval(mins => s.min_soak_minutes)
    order by m.key, r.stage, w.slug`;
  for (const c of candidates) {
    const [{ report }] = await sql<{ report: { passed: boolean; checks: { check: string; status: string }[] } }[]>`
      select app_private.gate_report(${c.ws}, ${c.mig}, ${c.stage + 1}) as report`;
    const missing = report.checks.filter((x) => x.status !== "pass").map((x) => x.check);
    if (!missing.every((x) => ["min_samples", "error_rate", "p95_ratio"].includes(x))) continue;
    const loader = new BulkLoader(sql);
    const n = Math.ceil(c.minSamples * 1.25);
    for (const variant of ["old", "new"] as const) {
      for (let i = 0; i < n; i++) {
        const t = now - 12 * HOUR + Math.floor((i / n) * 11.5 * HOUR) + Math.floor(r.next() * 60_000);
        const latency = (variant === "new" ? 690 : 720) * Math.exp(0.3 * r.normal());
        const error = r.next() < 0.004 ? 1 : 0;
        loader.add(c.ws, c.mig, "latency_ms", variant, Math.round(latency * 10) / 10, t);
        loader.add(c.ws, c.mig, "error", variant, error, t);
        loader.add(c.ws, c.mig, "success", variant, error ? 0 : 1, t);
      }
    }
    await loader.flush();
    const [{ passed }] = await sql<{ passed: boolean }[]>`select (app_private.gate_report(${c.ws}, ${c.mig}, ${c.stage + 1}) ->> 'passed')::boolean as passed`;
    if (passed) {
      story.readyWorkspace = c.slug;
      break;
    }
  }

  // 2. A guardrail at work: a recent automatic rollback that left an open critical alert.
  const [victim] = await sql<{ ws: string; mig: string; slug: string; stage: number }[]>`
    select r.workspace_id as ws, r.migration_id as mig, w.slug, r.stage
    from public.workspace_rollouts r join public.workspaces w on w.id = r.workspace_id join public.migrations m on m.id = r.migration_id
    where m.key = 'ai-pipeline' and r.stage >= 2 and r.status = 'active' and not w.is_canary and w.slug <> ${story.readyWorkspace ?? ""}
    order by r.stage desc, w.slug limit 1`;
  const [rule] = await sql<{ id: string; name: string; threshold: number }[]>`
    select id, name, threshold from public.guardrail_rules where statistic = 'p95_latency' and action = 'rollback_previous' order by created_at limit 1`;
  if (victim && rule) {
    const evaluation = {
      rule: rule.name, statistic: "p95_latency", comparison: "ratio", operator: ">", threshold: rule.threshold, window_minutes: 15,
      old: { n: 412, p95: 905.2 }, new: { n: 398, p95: 1466.4 }, observed: 1.62, verdict: "breach", seeded: true,
    };
    const reason = `Guardrail “${rule.name}”: p95 latency new/old = 1.62 > ${rule.threshold} over 15 min; rolled back to stage ${victim.stage - 1} and paused`;
    await sql.begin(async (tx) => {
      await tx`select app_private.apply_transition(${victim.ws}, ${victim.mig}, ${victim.stage - 1}, 'paused', 'auto_rollback', ${reason}, ${tx.json(evaluation)})`;
      const [{ version }] = await tx<{ version: string }[]>`select version::text from public.workspace_rollouts where workspace_id = ${victim.ws} and migration_id = ${victim.mig}`;
      await tx`insert into public.performance_alerts (rule_id, workspace_id, migration_id, state, severity, message, observed, baseline, threshold,
                 stage_at_breach, evaluation, action_taken, acted_version, opened_at, last_breach_at)
               values (${rule.id}, ${victim.ws}, ${victim.mig}, 'open', 'critical',
                 ${`p95 latency regression: new/old = 1.62 (limit ${rule.threshold}); rolled back from stage ${victim.stage} to ${victim.stage - 1} and paused`},
                 1466.4, 905.2, ${rule.threshold}, ${victim.stage}, ${tx.json(evaluation)}, 'rollback_previous', ${version}, now() - interval '25 minutes', now() - interval '25 minutes')`;
    });
    story.rolledBackWorkspace = victim.slug;
  }

  // 3. Mid-wave: the lead-centric plan's wave to 75 % past stage 0, applied by the operator.
  const [op] = await sql<{ id: string }[]>`select id from auth.users where email = 'operator@example.com'`;
  const [lead] = await sql<{ id: string }[]>`select id from public.migrations where key = 'lead-centric'`;
  if (op && lead) {
    const result = await sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
                      set_config('request.jwt.claims', ${JSON.stringify({ sub: op.id, email: "operator@example.com", role: "authenticated" })}, true)`;
      const [{ w }] = await tx<{ w: { moved: unknown[] } }[]>`
        select public.advance_wave(${lead.id}, 0, 75, null, 'Wave 3 of 5: 75 % past existing-only; the rest follow after the review', false) as w`;
      return w;
    });
    story.waveMoved = result.moved.length;
  }
  story.plan = await seedDemoPlan(sql);
  return story;
}

/**
 * 4. The autopilot at work on lead-centric: its canaries and the 75 % wave are the
 * plan's first two steps (done); the third takes everyone past existing-only and
 * waits for one approval, so nothing moves until a member approves it.
 */
export async function seedDemoPlan(sql: Sql): Promise<string | null> {
  const [lead] = await sql<{ id: string }[]>`select id from public.migrations where key = 'lead-centric'`;
  if (!lead) return null;
  return sql.begin(async (tx) => {
    const [plan] = await tx<{ id: string }[]>`
      insert into public.rollout_plans (migration_id, name, state, time_zone, current_step, step_started_at, created_at)
      values (${lead.id}, 'Lead-centric autopilot', 'running', 'Europe/Berlin', 2, now() - interval '10 minutes', now() - interval '3 days')
      returning id`;
    const steps = [
      { position: 0, target_stage: 2, cohort_kind: "canaries", cohort_percent: null, bake_minutes: 60, approvals_required: 0, started: "3 days", finished: "2 days" },
      { position: 1, target_stage: 1, cohort_kind: "percent", cohort_percent: 75, bake_minutes: 60, approvals_required: 0, started: "2 days", finished: "10 minutes" },
      { position: 2, target_stage: 1, cohort_kind: "percent", cohort_percent: 100, bake_minutes: 60, approvals_required: 1, started: "10 minutes", finished: null },
      { position: 3, target_stage: 2, cohort_kind: "percent", cohort_percent: 100, bake_minutes: 24 * 60, approvals_required: 1, started: null, finished: null },
    ];
    for (const st of steps) {
      await tx`insert into public.rollout_plan_steps (plan_id, position, target_stage, cohort_kind, cohort_percent, bake_minutes, max_concurrent, failure_policy, approvals_required, started_at, finished_at)
        values (${plan.id}, ${st.position}, ${st.target_stage}, ${st.cohort_kind}, ${st.cohort_percent}, ${st.bake_minutes}, 5, 'quarantine', ${st.approvals_required},
                ${st.started ? tx`now() - ${st.started}::interval` : null}, ${st.finished ? tx`now() - ${st.finished}::interval` : null})`;
    }
    for (const [step, kind, message, ago] of [
      [null, "created", 'Plan "Lead-centric autopilot" created with 4 step(s).', "3 days"],
      [null, "started", "Plan started.", "3 days"],
      [0, "step_finished", "Step 1 of 4 finished: the canaries at stage 2 or later.", "2 days"],
      [1, "step_finished", "Step 2 of 4 finished: 75 % at stage 1 or later.", "10 minutes"],
      [2, "step_started", "Step 3 of 4 started: 100 % to stage 1.", "10 minutes"],
      [2, "approval_needed", "Step 3 needs 1 approval(s) from members other than the author.", "10 minutes"],
    ] as const) {
      await tx`insert into public.plan_events (plan_id, step, kind, message, created_at) values (${plan.id}, ${step}, ${kind}, ${message}, now() - ${ago}::interval)`;
    }
    return plan.id;
  });
}
