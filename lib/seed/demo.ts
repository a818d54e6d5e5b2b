// Demo data: three users, 24 workspaces (3 canaries), the two plans from the
// field notes, and 30 days of stage history. Seeds only an empty database.
import bcrypt from "bcryptjs";
import type postgres from "postgres";
import { seedDemoFlags } from "./flags";
import { DEMO_PASSWORD, DEMO_PLANS, DEMO_USERS, DEMO_WORKSPACES } from "./plans";
import { rng } from "./random";
import { seedStory } from "./story";
import { seedTelemetry } from "./telemetry";
import { upsertAuthUser } from "./users";

type Sql = postgres.Sql<Record<string, unknown>>;

const DAY = 86_400_000;

export async function isSeeded(sql: Sql): Promise<boolean> {
  const [row] = await sql`select exists (select 1 from public.workspaces) as seeded`;
  return Boolean(row?.seeded);
}

export async function seedDemo(sql: Sql, opts: { now?: Date } = {}): Promise<{ workspaces: number; transitions: number }> {
  const now = opts.now ?? new Date();
  const r = rng(20261122);
  const hash = await bcrypt.hash(DEMO_PASSWORD, 10);
  let transitions = 0;

  await sql.begin(async (tx) => {
    for (const u of DEMO_USERS) {
      const userId = await upsertAuthUser(tx, { email: u.email, encryptedPassword: hash, name: u.name });
      await tx`insert into public.members (user_id, role, display_name) values (${userId}, ${u.role}, ${u.name})
               on conflict (user_id) do update set role = excluded.role`;
    }
    const [operator] = await tx<{ id: string }[]>`select id from auth.users where email = 'operator@example.com'`;

    const migrationIds: string[] = [];
    for (const [i, plan] of DEMO_PLANS.entries()) {
      const [m] = await tx<{ id: string }[]>`
        insert into public.migrations (key, name, description, created_at)
        values (${plan.key}, ${plan.name}, ${plan.description}, ${new Date(now.getTime() - (45 - i) * DAY)})
        returning id`;
      migrationIds.push(m.id);
      for (const [pos, s] of plan.stages.entries()) {
        await tx`insert into public.migration_stages
          (migration_id, position, key, name, description, min_soak_minutes, min_samples, max_error_rate,
           max_p95_ratio, max_open_critical_alerts, max_negative_feedback)
          values (${m.id}, ${pos}, ${s.key}, ${s.name}, ${s.description}, ${s.minSoakMinutes}, ${s.minSamples},
                  ${s.maxErrorRate}, ${s.maxP95Ratio}, ${s.maxOpenCriticalAlerts}, ${s.maxNegativeFeedback})`;
      }
    }

    for (const [wi, w] of DEMO_WORKSPACES.entries()) {
      const [ws] = await tx<{ id: string }[]>`
        insert into public.workspaces (slug, name, tier, is_canary, created_at)
        values (${w.slug}, ${w.name}, ${w.tier}, ${w.canary ?? false}, ${new Date(now.getTime() - 400 * DAY + wi * DAY)})
        returning id`;
      for (const [pi, plan] of DEMO_PLANS.entries()) {
        const last = plan.stages.length - 1;
        // Canaries lead; the rest spread over the plan, most of them early.
        const target = w.canary ? last - (pi === 1 && wi === 1 ? 1 : 0) : Math.min(last, Math.floor(r.next() ** 1.6 * (last + 1)));
        let stage = 0;
        let t = now.getTime() - 30 * DAY + r.int(0, 3) * DAY;
        const history: { from: number; to: number; kind: string; status: string; reason: string; at: number; report: unknown }[] = [
          { from: 0, to: 0, kind: "enroll", status: "active", reason: "Enrolled in the plan", at: t, report: null },
        ];
        const stepSpan = (27 * DAY) / Math.max(1, target + 1);
        while (stage < target) {
          t += stepSpan * (0.6 + r.next() * 0.6);
          const to = stage + 1;
          history.push({ from: stage, to, kind: "advance", status: "active", reason: `Gate passed; moving to ${plan.stages[to].name}`, at: t, report: demoGateReport(plan.stages[to], true) });
          stage = to;
          // Now and then a regression sent a workspace back a stage before it went on.
          if (stage >= 2 && r.next() < 0.12) {
            t += stepSpan * 0.15;
            history.push({ from: stage, to: stage - 1, kind: "rollback", status: "active", reason: "p95 latency regressed after the advance; back to the previous stage while the query plan is fixed", at: t, report: null });
            t += stepSpan * 0.3;
            history.push({ from: stage - 1, to: stage, kind: "advance", status: "active", reason: "Fix deployed; gate passes again", at: t, report: demoGateReport(plan.stages[stage], true) });
          }
        }
        let status = "active";
        if (!w.canary && stage > 0 && r.next() < 0.1) {
          t += DAY * 0.5;
          status = "paused";
          history.push({ from: stage, to: stage, kind: "pause", status, reason: "Customer asked to hold during their quarter close", at: t, report: null });
        }
        const at = Math.min(t, now.getTime() - 3_600_000);
        const enteredAt = new Date(Math.min(history.filter((h) => h.kind !== "pause").at(-1)!.at, at));
        await tx`insert into public.workspace_rollouts (workspace_id, migration_id, stage, status, entered_at, updated_at, version)
                 values (${ws.id}, ${migrationIds[pi]}, ${stage}, ${status}, ${enteredAt}, ${new Date(at)}, ${history.length})`;
        for (const h of history) {
          await tx`insert into public.stage_transitions
            (workspace_id, migration_id, from_stage, to_stage, kind, status_after, actor, actor_email, reason, gate_report, created_at)
            values (${ws.id}, ${migrationIds[pi]}, ${h.from}, ${h.to}, ${h.kind}, ${h.status},
                    ${operator.id}, 'operator@example.com', ${h.reason}, ${h.report === null ? null : tx.json(h.report as never)},
                    ${new Date(Math.min(h.at, at))})`;
          transitions++;
        }
      }
    }
  });
  await seedDemoFlags(sql);
  await seedTelemetry(sql, { now });
  await seedStory(sql, { now });
  return { workspaces: DEMO_WORKSPACES.length, transitions };
}

function demoGateReport(stage: (typeof DEMO_PLANS)[number]["stages"][number], passed: boolean) {
  const checks = [
    { check: "soak_time", label: "Soak time at current stage", observed: stage.minSoakMinutes * 1.4, threshold: stage.minSoakMinutes, unit: "min", status: "pass" },
    { check: "min_samples", label: "Samples per variant", observed: Math.round(stage.minSamples * 2.3), threshold: stage.minSamples, unit: "samples", status: "pass" },
  ];
  if (stage.maxErrorRate !== null) checks.push({ check: "error_rate", label: "Error rate (new)", observed: stage.maxErrorRate * 0.4, threshold: stage.maxErrorRate, unit: "ratio", status: "pass" });
  if (stage.maxP95Ratio !== null) checks.push({ check: "p95_ratio", label: "p95 latency new/old", observed: 1.04, threshold: stage.maxP95Ratio, unit: "ratio", status: "pass" });
  return { passed, target_stage: stage.key, checks, seeded: true };
}
