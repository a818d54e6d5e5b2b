import Link from "next/link";
import { notFound } from "next/navigation";
import { TelemetryPanel } from "@/components/charts/telemetry-panel";
import { LiveRefresh } from "@/components/live-refresh";
import { StageAreaChart } from "@/components/rollout/stage-area-chart";
import { Card, CardBody, CardHeader } from "@/components/ui/card";
import { requireSession, roleAtLeast } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { planStatus, planTemplates } from "@/lib/plans/queries";
import { cachedStageHistory, getMigration, listMigrationWorkspaces, migrationStageCounts } from "@/lib/rollouts/queries";
import { getStops } from "@/lib/rollouts/summary";
import { listPrometheusSources } from "@/lib/telemetry/prometheus-sources";
import { RelativeTime } from "@/components/ui/time";
import { EmergencyStop, ResumeMigration } from "./emergency-stop";
import { PlanPanel } from "./plan-panel";
import { PrometheusPanel } from "./prometheus-panel";
import { WavePanel } from "./wave-panel";
import { WorkspaceTable } from "./workspace-table";

export const dynamic = "force-dynamic";

export async function generateMetadata({ params }: { params: Promise<{ key: string }> }) {
  const session = await requireSession();
  const { key } = await params;
  const m = await asUser(session.claims, (tx) => tx<{ name: string }[]>`select name from public.migrations where key = ${key}`);
  return { title: m[0]?.name ?? key };
}

const PAGE_SIZE = 100;

export default async function MigrationPage({ params, searchParams }: { params: Promise<{ key: string }>; searchParams: Promise<{ page?: string }> }) {
  const session = await requireSession();
  const { key } = await params;
  const requested = Number.parseInt((await searchParams).page ?? "1", 10) || 1;
  const data = await asUser(session.claims, async (tx) => {
    const migration = await getMigration(tx, key);
    if (!migration) return null;
    const counts = await migrationStageCounts(tx, migration.id);
    const total = Object.values(counts).reduce((a, n) => a + n, 0);
    const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
    const page = Math.min(pages, Math.max(1, requested));
    const [shown, history, stops, plan, sources] = await Promise.all([
      listMigrationWorkspaces(tx, migration.id, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
      cachedStageHistory(session.claims, migration.id), getStops(tx, [migration.id]), planStatus(tx, migration.id),
      listPrometheusSources(tx, migration.id),
    ]);
    return { migration, counts, total, pages, page, shown, history, stop: stops.get(migration.id) ?? null, plan, sources };
  });
  if (!data) notFound();
  const { migration, counts, total, pages, page, shown, stop, plan, sources } = data;
  // The chart ends at now: its last point is the current state, not the end of a day.
  const history = [...data.history.filter((d) => d.day !== new Date().toISOString().slice(0, 10)),
    { day: "now", counts: Object.fromEntries(Object.entries(counts).map(([k, v]) => [`s${k}`, v])) }];
  const canOperate = roleAtLeast(session.role, "operator");
  const isAdmin = roleAtLeast(session.role, "admin");
  const templates = isAdmin ? await planTemplates(migration.stages.length - 1) : null;

  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <nav className="text-xs text-slate-500" aria-label="Breadcrumb">
            <Link href="/migrations" className="hover:text-slate-800">Migrations</Link> / <span>{migration.key}</span>
          </nav>
          <h1 className="mt-1 text-xl font-semibold text-slate-900">{migration.name}</h1>
          <p className="mt-1 max-w-3xl text-sm text-slate-500">{migration.description}</p>
        </div>
        <div className="flex items-center gap-4">
          <LiveRefresh query={`migration=${encodeURIComponent(migration.key)}`} />
          <EmergencyStop migration={migration.key} name={migration.name} canOperate={canOperate} stopped={stop !== null} />
        </div>
      </div>

      {stop ? (
        <div role="region" aria-label="Migration stopped" data-testid="stop-banner" className="flex flex-wrap items-start justify-between gap-4 rounded-xl bg-rose-50 px-5 py-4 ring-1 ring-rose-200">
          <div className="min-w-0 space-y-1 text-sm">
            <p className="font-semibold text-rose-800">This migration is stopped.</p>
            <p className="text-rose-900">
              {stop.actorEmail ?? "The system"} ran an emergency stop <RelativeTime date={stop.at} />: {stop.workspaces} workspaces were sent to stage 0 and paused, and the migration&apos;s flags were switched off.
            </p>
            <p className="break-words text-rose-900"><span className="font-medium">Reason:</span> {stop.reason || "none given"}</p>
            {!isAdmin ? <p className="text-rose-800">Only an admin can resume the migration.</p> : null}
          </div>
          <ResumeMigration migration={migration.key} name={migration.name} isAdmin={isAdmin} />
        </div>
      ) : null}

      <Card>
        <CardHeader title="Rollout plan" description="Steps the console carries out by itself, on each workspace's gate, within the plan's windows and approvals." />
        <CardBody>
          <PlanPanel migration={migration.key} plan={plan} stageNames={migration.stages.map((st) => st.name)} role={session.role ?? "viewer"} templates={templates} />
        </CardBody>
      </Card>

      <Card>
        <CardHeader title="Rollout over time" description="Workspaces per stage at the end of each day over the last 30 days; the last point is now." />
        <CardBody>
          <StageAreaChart data={history} stages={migration.stages} />
        </CardBody>
      </Card>

      <TelemetryPanel migrationKey={migration.key} />

      <Card>
        <CardHeader title="Prometheus sources" description="PromQL run by the worker for each enrolled workspace and variant; results are stored as samples that charts, gates and guardrails read. A source without data makes the checks on its metric say no data, and why." />
        <CardBody>
          <PrometheusPanel migration={migration.key} isAdmin={isAdmin}
            sources={sources.map((s) => ({ ...s, lastRunAt: s.lastRunAt ? new Date(s.lastRunAt).toISOString() : null }))} />
        </CardBody>
      </Card>

      <Card>
        <CardHeader title="Advance a wave" description="Move a share of the workspaces at one stage to the next. Workspaces whose gate fails are reported, not moved." />
        <CardBody>
          <WavePanel migration={migration.key} stages={migration.stages.map((s) => ({ position: s.position, name: s.name }))} counts={counts} canOperate={canOperate} />
        </CardBody>
      </Card>

      <Card>
        <CardHeader title={`Workspaces (${total})`} description="In wave order: canaries first, then the fixed order waves follow. Select workspaces to advance them by hand." />
        <WorkspaceTable
          migration={migration.key}
          rows={shown.map((w) => ({ ...w, enteredAt: new Date(w.enteredAt).toISOString() }))}
          offset={(page - 1) * PAGE_SIZE}
          stageNames={migration.stages.map((st) => st.name)}
          canOperate={canOperate}
        />
        {pages > 1 ? (
          <nav aria-label="Pagination" className="flex items-center justify-between border-t border-slate-100 px-5 py-3 text-sm">
            <span className="text-slate-500">Workspaces {(page - 1) * PAGE_SIZE + 1}–{Math.min(page * PAGE_SIZE, total)} of {total}</span>
            <div className="flex gap-2">
              {page > 1 ? <Link className="rounded-md px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-50" href={`/migrations/${migration.key}?page=${page - 1}`}>Previous</Link> : null}
              {page < pages ? <Link className="rounded-md px-3 py-1 ring-1 ring-slate-300 hover:bg-slate-50" href={`/migrations/${migration.key}?page=${page + 1}`}>Next</Link> : null}
            </div>
          </nav>
        ) : null}
      </Card>
    </div>
  );
}
