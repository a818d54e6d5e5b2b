"use client";

import Link from "next/link";
import { FilterBar, FilterSelect, SearchBox, useUrlFilters } from "@/components/ui/filter-bar";

const date = "h-8 rounded-md border-0 bg-white px-2 py-1 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300";

export function AuditFilters({ values, workspaces, migrations, exportHref, filtered }: {
  values: { source: string; q: string; actor: string; workspace: string; migration: string; from: string; to: string };
  workspaces: { slug: string; name: string }[];
  migrations: { key: string; name: string }[];
  exportHref: string;
  filtered: boolean;
}) {
  const { set, pending } = useUrlFilters();
  return (
    <FilterBar testId="audit-filters" busy={pending}>
      <FilterSelect label="Kind" value={values.source} onChange={(source) => set({ source })}>
        <option value="">Everything</option>
        <option value="transition">Stage transitions</option>
        <option value="flag">Flag changes</option>
        <option value="event">Settings and alerts</option>
      </FilterSelect>
      <FilterSelect label="Workspace" value={values.workspace} onChange={(workspace) => set({ workspace })} className="w-44">
        <option value="">Any workspace</option>
        {workspaces.map((w) => <option key={w.slug} value={w.slug}>{w.name}</option>)}
      </FilterSelect>
      <FilterSelect label="Migration" value={values.migration} onChange={(migration) => set({ migration })} className="w-44">
        <option value="">Any migration</option>
        {migrations.map((m) => <option key={m.key} value={m.key}>{m.name}</option>)}
      </FilterSelect>
      <SearchBox label="Actor" placeholder="Who (email)…" value={values.actor} onSearch={(actor) => set({ actor })} className="sm:w-44" />
      <label className="flex items-center gap-1 text-xs text-slate-600">From
        <input type="date" aria-label="From date" value={values.from} onChange={(e) => set({ from: e.target.value })} className={date} />
      </label>
      <label className="flex items-center gap-1 text-xs text-slate-600">to
        <input type="date" aria-label="To date" value={values.to} onChange={(e) => set({ to: e.target.value })} className={date} />
      </label>
      <SearchBox label="Search the audit log" placeholder="Reason, flag, text…" value={values.q} onSearch={(q) => set({ q })} className="sm:w-48" />
      {filtered ? <Link href="/audit" className="text-sm text-slate-500 hover:underline">Clear</Link> : null}
      <a href={exportHref} className="ml-auto inline-flex h-8 items-center rounded-md px-3 text-sm font-medium text-brand-700 ring-1 ring-inset ring-slate-300 hover:bg-slate-50" download>
        Export CSV
      </a>
    </FilterBar>
  );
}
