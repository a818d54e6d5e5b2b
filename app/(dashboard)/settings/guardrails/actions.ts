"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { defineAction, ExpectedError } from "@/lib/actions/client";
import { asUser } from "@/lib/db";
import { RuleInput } from "@/lib/guardrails/schemas";

const id = z.uuid("not a rule id");

export const saveRule = defineAction({ name: "saveRule", schema: z.object({ id: id.nullable(), rule: RuleInput }), role: "admin" }, async ({ id: ruleId, rule: r }, { session }) => {
  const row = await asUser(session.claims, async (tx) => {
    const [m] = r.migrationKey ? await tx<{ id: string }[]>`select id from public.migrations where key = ${r.migrationKey}` : [{ id: null }];
    if (!m) throw new ExpectedError(`Unknown migration “${r.migrationKey}”.`);
    const values = {
      name: r.name, description: r.description, migration_id: m.id, statistic: r.statistic, metric: r.metric, comparison: r.comparison,
      operator: r.operator, threshold: r.threshold, absolute_guard: r.absoluteGuard, window_minutes: r.windowMinutes,
      min_samples: r.minSamples, severity: r.severity, action: r.action, test: r.test, alpha: r.alpha, dry_run: r.dryRun, enabled: r.enabled,
    };
    if (ruleId) {
      const rows = await tx`update public.guardrail_rules set ${tx(values)}, updated_at = now() where id = ${ruleId} returning id`;
      if (rows.length === 0) throw new ExpectedError("That rule no longer exists.");
      return rows[0];
    }
    const [created] = await tx`insert into public.guardrail_rules ${tx(values)} returning id`;
    return created;
  });
  revalidatePath("/settings/guardrails");
  return { id: row.id as string };
});

export const deleteRule = defineAction({ name: "deleteRule", schema: z.object({ id }), role: "admin" }, async (input, { session }) => {
  const rows = await asUser(session.claims, (tx) => tx`delete from public.guardrail_rules where id = ${input.id} returning id`);
  if (rows.length === 0) throw new ExpectedError("That rule no longer exists.");
  revalidatePath("/settings/guardrails");
  return { ok: true };
});
