"use client";

import Link from "next/link";
import { FilterBar, FilterSelect, SearchBox, useUrlFilters } from "@/components/ui/filter-bar";

interface Column { id: string; key: string; name: string; stageCount: number }

export function OverviewFilters({ columns, values, filtered }: {
  columns: Column[];
  values: { q: string; at: string; status: string; health: string; canary: string; sort: string };
  filtered: boolean;
}) {
  const { set, pending } = useUrlFilters();
  return (
    <FilterBar testId="overview-filters" busy={pending}>
      <SearchBox label="Search workspaces" placeholder="Search workspaces…" value={values.q} onSearch={(q) => set({ q })} />
      <FilterSelect label="Stage" className="w-44" value={values.at} onChange={(at) => set({ at, gate: "", risk: "" })}>
        <option value="">Any stage</option>
        {columns.map((c) => (
          <optgroup key={c.id} label={c.name}>
            <option value={c.key}>{c.name}: enrolled</option>
            {Array.from({ length: c.stageCount }, (_, i) => <option key={i} value={`${c.key}:${i}`}>{c.name}: stage {i}</option>)}
          </optgroup>
        ))}
      </FilterSelect>
      <FilterSelect label="Status" value={values.status} onChange={(status) => set({ status })}>
        <option value="">Any status</option>
        <option value="active">Active</option>
        <option value="paused">Paused</option>
        <option value="rolled_back">Rolled back</option>
      </FilterSelect>
      <FilterSelect label="Health" value={values.health} onChange={(health) => set({ health })}>
        <option value="">Any health</option>
        <option value="alerts">Open alerts</option>
        <option value="critical">Critical alerts</option>
        <option value="healthy">No open alerts</option>
      </FilterSelect>
      <FilterSelect label="Canary" value={values.canary} onChange={(canary) => set({ canary })}>
        <option value="">All workspaces</option>
        <option value="yes">Canaries</option>
        <option value="no">Not canaries</option>
      </FilterSelect>
      <FilterSelect label="Sort" value={values.sort} onChange={(sort) => set({ sort: sort === "canary" ? "" : sort })}>
        <option value="canary">Canaries first</option>
        <option value="name">Name</option>
        <option value="alerts">Most alerts</option>
        <option value="recent">Recently moved</option>
      </FilterSelect>
      {filtered ? <Link href="/" className="text-sm text-slate-500 hover:underline">Clear</Link> : null}
    </FilterBar>
  );
}
