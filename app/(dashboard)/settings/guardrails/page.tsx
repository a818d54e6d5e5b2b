import { SettingsNav } from "@/components/settings-nav";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { Table, Td, Th } from "@/components/ui/table";
import { requireSession, roleAtLeast } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { RuleEditor, type RuleFormValue } from "./rule-editor";

export const dynamic = "force-dynamic";

const CMP: Record<string, string> = { ratio: "new / old", difference: "new − old", absolute: "new" };
const ACTION: Record<string, string> = { alert: "alert", hold: "hold (pause)", rollback_previous: "roll back one stage", rollback_zero: "roll back to 0", disable_flags: "disable flags" };

export default async function GuardrailSettingsPage() {
  const session = await requireSession();
  const isAdmin = roleAtLeast(session.role, "admin");
  const { rules, migrations } = await asUser(session.claims, async (tx) => ({
    rules: await tx<(RuleFormValue & { id: string; migrationName: string | null })[]>`
      select g.id, g.name, g.description, m.key as "migrationKey", m.name as "migrationName", g.statistic, g.metric, g.comparison, g.operator,
             g.threshold, g.absolute_guard as "absoluteGuard", g.window_minutes as "windowMinutes", g.min_samples as "minSamples",
             g.severity, g.action, g.test, g.alpha, g.dry_run as "dryRun", g.enabled
      from public.guardrail_rules g left join public.migrations m on m.id = g.migration_id order by g.created_at, g.name`,
    migrations: await tx<{ key: string; name: string }[]>`select key, name from public.migrations order by created_at`,
  }));
  const blank: RuleFormValue = { id: null, name: "", description: "", migrationKey: null, statistic: "p95_latency", metric: null, comparison: "ratio", operator: ">", threshold: 1.2, absoluteGuard: null, windowMinutes: 15, minSamples: 200, severity: "critical", action: "alert", test: "sequential", alpha: null, dryRun: false, enabled: true };
  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <h1 className="text-xl font-semibold text-slate-900">Settings</h1>
      <SettingsNav current="/settings/guardrails" />
      <Card>
        <CardHeader
          title="Guardrail rules"
          description="Evaluated right after every telemetry batch and by a sweep every minute, at every stage. Too few samples is “not enough data”, never a breach."
          actions={isAdmin ? <RuleEditor value={blank} migrations={migrations} label="New rule" /> : <span className="text-xs text-slate-500">Admins edit rules</span>}
        />
        <Table>
          <thead><tr><Th>Rule</Th><Th>Condition</Th><Th>Window</Th><Th>Action</Th><Th>Scope</Th><Th>&nbsp;</Th></tr></thead>
          <tbody className="divide-y divide-slate-100">
            {rules.map((r) => (
              <tr key={r.id} data-testid="rule-row">
                <Td>
                  <p className="font-medium text-slate-900">{r.name} {!r.enabled ? <Badge>disabled</Badge> : null}</p>
                  <p className="text-xs text-slate-500">{r.description}</p>
                </Td>
                <Td className="font-mono text-xs">
                  {r.statistic.replace(/_/g, " ")}{r.metric ? `(${r.metric})` : ""}: {CMP[r.comparison]} {r.operator} {r.threshold}
                  {r.absoluteGuard !== null ? ` and new ${r.operator} ${r.absoluteGuard}` : ""}
                </Td>
                <Td className="text-xs text-slate-600">{r.windowMinutes} min · ≥ {r.minSamples} samples</Td>
                <Td><Badge tone={r.severity === "critical" ? "red" : "amber"}>{r.severity}</Badge> <span className="text-xs text-slate-600">{ACTION[r.action]}{r.dryRun ? " (dry run)" : ""} · {r.test === "sequential" ? "sequential test" : "fixed limit"}</span></Td>
                <Td className="text-xs text-slate-600">{r.migrationName ?? "all migrations"}</Td>
                <Td className="text-right">{isAdmin ? <RuleEditor value={r} migrations={migrations} label="Edit" /> : null}</Td>
              </tr>
            ))}
          </tbody>
        </Table>
      </Card>
    </div>
  );
}
