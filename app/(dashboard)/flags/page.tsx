import Link from "next/link";
import { Badge } from "@/components/ui/badge";
import { Card, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { requireSession, roleAtLeast } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { formatBps, listFlags, migrationsWithStages, workspacesOn } from "@/lib/flags/queries";
import { ConfirmAction } from "./confirm-action";
import { CreateFlag } from "./create-flag";
import { FlagStateBadge, RolloutBar } from "./flag-state";

export const dynamic = "force-dynamic";
export const metadata = { title: "Flags" };

export default async function FlagsPage() {
  const session = await requireSession();
  const { flags, on, migrations, total } = await asUser(session.claims, async (tx) => {
    const [flags, on, migrations, [{ total }]] = await Promise.all([
      listFlags(tx),
      workspacesOn({ claims: session.claims, member: session.role !== null }),
      migrationsWithStages(tx),
      tx<{ total: number }[]>`select count(*)::int as total from public.workspaces`,
    ]);
    return { flags, on, migrations, total };
  });
  const canOperate = roleAtLeast(session.role, "operator");
  const byMigration = migrations
    .map((m) => ({ ...m, flags: flags.filter((f) => f.migrationId === m.id) }))
    .filter((m) => m.flags.length > 0);

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div className="flex items-end justify-between gap-4">
        <div>
          <h1 className="text-xl font-semibold text-slate-900">Flags</h1>
          <p className="mt-1 text-sm text-slate-500">What the apps run, per workspace: each flag follows a migration stage, then a sticky percentage of units.</p>
        </div>
        {roleAtLeast(session.role, "admin") ? <CreateFlag migrations={migrations} /> : null}
      </div>

      <Card>
        <CardHeader title={`Feature flags (${flags.length})`} description="“On for” counts workspaces evaluated with the workspace id as the unit." />
        {flags.length === 0 ? (
          <EmptyState title="No flags yet">An admin can create the first one.</EmptyState>
        ) : (
          <Table>
            <thead>
              <tr>
                <Th>Flag</Th>
                <Th>Follows</Th>
                <Th>State</Th>
                <Th>Rollout</Th>
                <Th className="whitespace-nowrap">On for</Th>
                <Th>Changed</Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100 bg-white">
              {flags.map((f) => (
                <tr key={f.id} className="hover:bg-slate-50/60" data-testid="flag-row">
                  <Td>
                    <Link href={`/flags/${f.key}`} className="font-mono text-sm font-medium text-slate-900 hover:text-brand-700">{f.key}</Link>
                    <p className="mt-0.5 max-w-md truncate text-xs text-slate-500" title={f.description}>{f.description || "—"}</p>
                  </Td>
                  <Td>
                    {f.migrationKey ? (
                      <span className="text-sm">
                        <Link href={`/migrations/${f.migrationKey}`} className="hover:text-brand-700">{f.migrationName}</Link>
                        <span className="block text-xs text-slate-500">from stage {f.minStage} · {f.minStageName}</span>
                      </span>
                    ) : <span className="text-xs text-slate-500">no migration</span>}
                  </Td>
                  <Td>
                    <div className="flex items-center gap-1.5">
                      <FlagStateBadge killed={f.killed} enabled={f.enabled} />
                      {f.overrides > 0 ? <Badge tone="amber" title="Workspaces with an override">{f.overrides} override{f.overrides === 1 ? "" : "s"}</Badge> : null}
                    </div>
                  </Td>
                  <Td>
                    <div className="flex items-center gap-2">
                      <RolloutBar bps={f.rolloutBps} />
                      <span className="whitespace-nowrap tabular-nums">{formatBps(f.rolloutBps)}</span>
                    </div>
                  </Td>
                  <Td className="whitespace-nowrap tabular-nums">{on.counts.get(f.key) ?? 0} / {total}</Td>
                  <Td className="text-xs text-slate-500"><RelativeTime date={f.updatedAt} /></Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>

      {byMigration.length > 0 ? (
        <Card>
          <CardHeader title="Kill switches by migration" description="Switch off every flag of a migration at once, in one transaction. Each flag's kill is recorded." />
          <ul className="divide-y divide-slate-100">
            {byMigration.map((m) => {
              const live = m.flags.filter((f) => !f.killed).length;
              return (
                <li key={m.id} className="flex items-center justify-between gap-4 px-5 py-3" data-testid="migration-kill">
                  <div>
                    <p className="text-sm font-medium text-slate-900">{m.name}</p>
                    <p className="text-xs text-slate-500">{m.flags.length} flags · {live} not killed · <span className="font-mono">{m.flags.map((f) => f.key).join(", ")}</span></p>
                  </div>
                  <ConfirmAction
                    label={`Kill all ${m.name} flags`}
                    title={`Kill every flag of ${m.name}`}
                    explanation={`All ${m.flags.length} flags of this migration are forced off for every workspace and unit, in one transaction. Lift each kill switch on the flag's page.`}
                    expected={m.key}
                    submitLabel="Kill all flags"
                    disabled={!canOperate || live === 0}
                    disabledReason={!canOperate ? "Viewers cannot use the kill switch" : "Every flag is already killed"}
                    action="killMigration"
                    doneMessage="Flags killed."
                  />
                </li>
              );
            })}
          </ul>
        </Card>
      ) : null}
    </div>
  );
}
