import Link from "next/link";
import { notFound } from "next/navigation";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, Td, Th } from "@/components/ui/table";
import { RelativeTime } from "@/components/ui/time";
import { requireSession, roleAtLeast } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { eligibility, flagHistory, flagOverrides, formatBps, getFlag, type FlagChange } from "@/lib/flags/queries";
import { ConfirmAction } from "../confirm-action";
import { FlagStateBadge } from "../flag-state";
import { OverrideForm, RestoreButton } from "./override-form";
import { RolloutEditor } from "./rollout-editor";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ key: string }> }) {
  return { title: `${(await params).key} · Flags` };
}

export default async function FlagPage({ params }: { params: Promise<{ key: string }> }) {
  const { key } = await params;
  const session = await requireSession();
  const data = await asUser(session.claims, async (tx) => {
    const flag = await getFlag(tx, decodeURIComponent(key));
    if (!flag) return null;
    const [workspaces, history, overrides] = await Promise.all([eligibility(tx, flag.id), flagHistory(tx, flag.id), flagOverrides(tx, flag.id)]);
    return { flag, workspaces, history, overrides };
  });
  if (!data) notFound();
  const { flag, workspaces, history, overrides } = data;
  const canOperate = roleAtLeast(session.role, "operator");
  const isAdmin = roleAtLeast(session.role, "admin");

  return (
    <div className="mx-auto max-w-6xl space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <p className="text-sm text-slate-500"><Link href="/flags" className="hover:text-brand-700">Flags</Link> /</p>
          <h1 className="mt-1 flex items-center gap-3 font-mono text-xl font-semibold text-slate-900">
            {flag.key} <FlagStateBadge killed={flag.killed} enabled={flag.enabled} />
          </h1>
          <p className="mt-1 max-w-2xl text-sm text-slate-500">{flag.description || "No description."}</p>
          <p className="mt-1 text-sm text-slate-600">
            {flag.migrationKey ? (
              <>On for workspaces at stage <strong>{flag.minStage} · {flag.minStageName}</strong> or later of{" "}
                <Link className="text-brand-700 underline" href={`/migrations/${flag.migrationKey}`}>{flag.migrationName}</Link>, then for {formatBps(flag.rolloutBps)} of units.</>
            ) : <>Not linked to a migration: on for {formatBps(flag.rolloutBps)} of units when enabled.</>}
          </p>
        </div>
        <div className="flex items-center gap-2">
          {flag.killed ? (canOperate ? <RestoreButton flagKey={flag.key} /> : null) : (
            <ConfirmAction label="Kill switch" title={`Kill ${flag.key}`} action="killFlag" expected={flag.key} submitLabel="Kill flag"
              explanation="The flag is forced off for every workspace and unit until the kill switch is lifted, whatever its rollout and overrides say."
              disabled={!canOperate} disabledReason="Viewers cannot use the kill switch" doneMessage="Flag killed." />
          )}
          {isAdmin ? (
            <ConfirmAction label="Delete" variant="secondary" title={`Delete ${flag.key}`} action="deleteFlag" expected={flag.key} submitLabel="Delete flag"
              explanation="The flag disappears from the state API (apps then see it as off). Its history is kept." doneMessage="Deleted." redirectTo="/flags" />
          ) : null}
        </div>
      </div>

      <Card>
        <CardHeader title="Rollout" description="Sticky hashing of (flag key, unit id) into 10 000 buckets: raising the percentage only adds units, lowering it only removes them." />
        <CardBody>
          <RolloutEditor flagKey={flag.key} version={flag.version} enabled={flag.enabled} rolloutBps={flag.rolloutBps} killed={flag.killed}
            workspaces={workspaces.map((w) => ({ id: w.id, slug: w.slug, fixed: w.fixed }))} canOperate={canOperate} />
        </CardBody>
      </Card>

      <Card>
        <CardHeader title={`Overrides (${overrides.length})`} description="A workspace override beats the stage link and the percentage (not the kill switch). Guardrails add “force off” overrides by themselves." />
        {overrides.length > 0 ? (
          <Table>
            <thead><tr><Th>Workspace</Th><Th>Value</Th><Th>Reason</Th><Th>Since</Th></tr></thead>
            <tbody className="divide-y divide-slate-100 bg-white">
              {overrides.map((o) => (
                <tr key={o.workspaceId}>
                  <Td><Link href={`/workspaces/${o.slug}`} className="font-medium text-slate-900 hover:text-brand-700">{o.name}</Link></Td>
                  <Td>{o.value ? <Badge tone="green">forced on</Badge> : <Badge tone="amber">forced off</Badge>}</Td>
                  <Td className="text-slate-600">{o.reason || "—"}</Td>
                  <Td className="text-xs text-slate-500"><RelativeTime date={o.createdAt} /></Td>
                </tr>
              ))}
            </tbody>
          </Table>
        ) : null}
        {canOperate ? <CardBody className="border-t border-slate-100"><OverrideForm flagKey={flag.key} workspaces={workspaces.map((w) => ({ slug: w.slug, name: w.name }))} /></CardBody> : null}
      </Card>

      <Card>
        <CardHeader title="History" description="Every change to this flag: who, what, before and after, and why. Append-only." />
        {history.length === 0 ? <EmptyState title="No changes yet" /> : (
          <Table>
            <thead><tr><Th>When</Th><Th>Who</Th><Th>Change</Th><Th>Reason</Th></tr></thead>
            <tbody className="divide-y divide-slate-100 bg-white">
              {history.map((c) => (
                <tr key={c.id} data-testid="flag-change">
                  <Td className="whitespace-nowrap text-xs text-slate-500"><RelativeTime date={c.createdAt} /></Td>
                  <Td className="text-sm">{c.actorEmail ?? <span className="text-slate-500">system</span>}</Td>
                  <Td className="text-sm">{describeChange(c)}</Td>
                  <Td className="text-sm text-slate-600">{c.reason || "—"}</Td>
                </tr>
              ))}
            </tbody>
          </Table>
        )}
      </Card>
    </div>
  );
}

/** One line per history entry, in words. */
function describeChange(c: FlagChange): string {
  const b = c.before as { enabled?: boolean; rollout_bps?: number; value?: boolean } | null;
  const a = c.after as { enabled?: boolean; rollout_bps?: number; value?: boolean; min_stage?: number | null } | null;
  const onOff = (v?: boolean) => (v ? "enabled" : "disabled");
  switch (c.action) {
    case "create": return `Created (disabled, ${formatBps(a?.rollout_bps ?? 0)})`;
    case "rollout": {
      const parts: string[] = [];
      if (b?.enabled !== a?.enabled) parts.push(`${onOff(b?.enabled)} → ${onOff(a?.enabled)}`);
      if (b?.rollout_bps !== a?.rollout_bps) parts.push(`${formatBps(b?.rollout_bps ?? 0)} → ${formatBps(a?.rollout_bps ?? 0)}`);
      return `Rollout: ${parts.join(", ") || "unchanged"}`;
    }
    case "definition": return "Description or stage link changed";
    case "kill": return "Kill switch on";
    case "restore": return "Kill switch lifted";
    case "override": return `Override for ${c.workspaceSlug ?? "a deleted workspace"}: forced ${a?.value ? "on" : "off"}`;
    case "clear_override": return `Override for ${c.workspaceSlug ?? "a deleted workspace"} cleared`;
    case "delete": return "Deleted";
    default: return c.action;
  }
}
