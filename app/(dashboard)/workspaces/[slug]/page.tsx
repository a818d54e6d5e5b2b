import Link from "next/link";
import { notFound } from "next/navigation";
import { TelemetryPanel } from "@/components/charts/telemetry-panel";
import { LiveRefresh } from "@/components/live-refresh";
import { AlertCallout } from "@/components/rollout/alert-callout";
import { WorkspacePlanCard } from "@/components/rollout/plan-state";
import { StageStepper } from "@/components/rollout/stage-stepper";
import { StatusBadge } from "@/components/rollout/stage-badge";
import { TransitionTimeline } from "@/components/rollout/transition-timeline";
import { Badge } from "@/components/ui/badge";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { cn } from "@/components/ui/cn";
import { RelativeTime } from "@/components/ui/time";
import { requireSession, roleAtLeast } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { alertChartFocus } from "@/lib/guardrails/chart-focus";
import { listWorkspaceAlerts } from "@/lib/guardrails/queries";
import { workspacePlanOutlook } from "@/lib/plans/queries";
import { getTransitions, getWorkspace, getWorkspaceRollouts } from "@/lib/rollouts/queries";
import { LiveGate } from "./live-gate";
import { RolloutControls } from "./rollout-controls";

export const dynamic = "force-dynamic";

// "Globex Corporation · Rollout Console": the workspace's name, as members see it.
export async function generateMetadata({ params }: { params: Promise<{ slug: string }> }) {
  const session = await requireSession();
  const { slug } = await params;
  const w = await asUser(session.claims, (tx) => getWorkspace(tx, slug));
  return { title: w?.name ?? slug };
}

export default async function WorkspacePage({ params, searchParams }: { params: Promise<{ slug: string }>; searchParams: Promise<{ m?: string; alert?: string }> }) {
  const session = await requireSession();
  const { slug } = await params;
  const { m, alert } = await searchParams;
  const data = await asUser(session.claims, async (tx) => {
    const workspace = await getWorkspace(tx, slug);
    if (!workspace) return null;
    const rollouts = await getWorkspaceRollouts(tx, workspace.id);
    const selected = rollouts.find((r) => r.migrationKey === m) ?? rollouts[0];
    const transitions = selected ? await getTransitions(tx, workspace.id, selected.migrationId) : [];
    const alerts = selected ? await listWorkspaceAlerts(tx, workspace.id, selected.migrationId, alert) : [];
    const plans = rollouts.length ? await workspacePlanOutlook(tx, workspace.id) : [];
    return { workspace, rollouts, selected, transitions, alerts, plans };
  });
  if (!data) notFound();
  const { workspace, rollouts, selected, transitions, alerts, plans } = data;
  // Linked from the alerts inbox: open the charts at the breach with the rule's limit drawn.
  const focused = alerts.find((a) => a.id === alert);
  const focus = focused ? alertChartFocus(focused) : undefined;

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <nav className="text-xs text-slate-500" aria-label="Breadcrumb">
            <Link href="/" className="hover:text-slate-800">Overview</Link> / <span>{workspace.slug}</span>
          </nav>
          <h1 className="mt-1 flex items-center gap-2 text-xl font-semibold text-slate-900">
            {workspace.name}
            {workspace.isCanary ? <Badge tone="violet">canary</Badge> : null}
            <Badge>{workspace.tier}</Badge>
          </h1>
        </div>
        <LiveRefresh query={`workspace=${encodeURIComponent(workspace.slug)}`} />
      </div>

      {rollouts.length === 0 ? (
        <Card><CardBody><p className="text-sm text-slate-500">This workspace is not enrolled in any migration.</p></CardBody></Card>
      ) : (
        <>
          {plans.length > 0 ? (
            <Card>
              <CardHeader title="Rollout plans" description="What each migration's plan will do with this workspace." />
              <WorkspacePlanCard
                outlook={plans}
                migrations={rollouts.map((r) => ({ id: r.migrationId, key: r.migrationKey, name: r.migrationName, stageNames: r.stages.map((st) => st.name) }))}
              />
            </Card>
          ) : null}
          <div className="flex gap-1 border-b border-slate-200" role="tablist" aria-label="Migrations">
            {rollouts.map((r) => (
              <Link
                key={r.migrationId}
                role="tab"
                aria-selected={r.migrationId === selected!.migrationId}
                href={`/workspaces/${workspace.slug}?m=${r.migrationKey}`}
                className={cn(
                  "-mb-px border-b-2 px-4 py-2 text-sm font-medium",
                  r.migrationId === selected!.migrationId ? "border-brand-600 text-brand-700" : "border-transparent text-slate-500 hover:text-slate-800",
                )}
              >
                {r.migrationName} <span className="ml-1 font-mono text-xs text-slate-500">{r.stage}/{r.stages.length - 1}</span>
              </Link>
            ))}
          </div>

          {selected ? (
            <>
              <AlertCallout alerts={alerts} focus={alert} />
              <Card>
                <CardHeader
                  title={<span className="flex items-center gap-2">Stage {selected.stage} · {selected.stages[selected.stage]?.name} <StatusBadge status={selected.status} /></span>}
                  description={<>Entered <RelativeTime date={selected.enteredAt} /> · version {selected.version}</>}
                  actions={<Link href={`/migrations/${selected.migrationKey}`} className="text-sm text-brand-700 hover:underline">Migration plan →</Link>}
                />
                <CardBody>
                  <StageStepper stages={selected.stages} current={selected.stage} status={selected.status} />
                </CardBody>
              </Card>

              <div className="grid gap-6 lg:grid-cols-5">
                <Card className="lg:col-span-2">
                  <CardHeader title="Next stage gate" description="Re-evaluated live from the telemetry rollups." />
                  <CardBody className="space-y-5">
                    <LiveGate workspace={workspace.slug} migration={selected.migrationKey} version={selected.version} canOverride={roleAtLeast(session.role, "admin")} />
                    <RolloutControls
                      workspace={workspace.slug}
                      migration={selected.migrationKey}
                      stage={selected.stage}
                      version={selected.version}
                      status={selected.status}
                      stages={selected.stages}
                      canOperate={roleAtLeast(session.role, "operator")}
                      canOverride={roleAtLeast(session.role, "admin")}
                    />
                  </CardBody>
                </Card>
                <Card className="lg:col-span-3">
                  <CardHeader title="History" description="Every transition, who made it and why. Append-only." />
                  <CardBody className="max-h-[520px] overflow-y-auto" focusable label="Transition history">
                    <TransitionTimeline transitions={transitions} stages={selected.stages} />
                  </CardBody>
                </Card>
              </div>
              <TelemetryPanel key={`${selected.migrationKey}-${alert ?? ""}`} workspaceSlug={workspace.slug} migrationKey={selected.migrationKey} focus={focus} />
            </>
          ) : null}
        </>
      )}
    </div>
  );
}
