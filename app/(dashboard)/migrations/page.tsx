import Link from "next/link";
import { Card } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { requireSession } from "@/lib/auth/session";
import { asUser } from "@/lib/db";
import { listMigrations } from "@/lib/rollouts/queries";

export const dynamic = "force-dynamic";
export const metadata = { title: "Migrations" };

const SHADES = ["bg-slate-300", "bg-blue-300", "bg-blue-400", "bg-brand-500", "bg-brand-700", "bg-blue-950"];

export default async function MigrationsPage() {
  const session = await requireSession();
  const migrations = await asUser(session.claims, (tx) => listMigrations(tx));
  return (
    <div className="mx-auto max-w-7xl space-y-6">
      <div>
        <h1 className="text-xl font-semibold text-slate-900">Migrations</h1>
        <p className="mt-1 text-sm text-slate-500">Each plan, and how many workspaces sit at each of its stages.</p>
      </div>
      {migrations.length === 0 ? (
        <Card><EmptyState title="No migration plans yet" /></Card>
      ) : (
        <div className="grid gap-4 md:grid-cols-2">
          {migrations.map((m) => (
            <Card key={m.id} className="p-5">
              <div className="flex items-start justify-between gap-3">
                <div>
                  <Link href={`/migrations/${m.key}`} className="text-base font-semibold text-slate-900 hover:text-brand-700">{m.name}</Link>
                  <p className="mt-1 text-sm text-slate-500">{m.description}</p>
                </div>
                <span className="shrink-0 font-mono text-xs text-slate-500">{m.key}</span>
              </div>
              <div className="mt-4 flex h-3 overflow-hidden rounded-full bg-slate-100" aria-hidden>
                {m.stages.map((s) => (
                  <div key={s.position} className={SHADES[s.position % SHADES.length]} style={{ width: `${m.total ? (s.count / m.total) * 100 : 0}%` }} />
                ))}
              </div>
              <ul className="mt-3 grid grid-cols-2 gap-x-4 gap-y-1 text-xs text-slate-600">
                {m.stages.map((s) => (
                  <li key={s.position} className="flex items-center gap-1.5">
                    <span className={`h-2 w-2 rounded-sm ${SHADES[s.position % SHADES.length]}`} aria-hidden />
                    <span className="font-mono text-slate-500">{s.position}</span> {s.name}
                    <span className="ml-auto font-medium text-slate-800">{s.count}</span>
                  </li>
                ))}
              </ul>
              {m.paused > 0 ? <p className="mt-3 text-xs text-amber-700">{m.paused} paused</p> : null}
            </Card>
          ))}
        </div>
      )}
    </div>
  );
}
