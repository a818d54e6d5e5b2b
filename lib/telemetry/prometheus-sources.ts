import "server-only";
// Reads and writes of public.prometheus_sources for the migration page. Writes run as
// the signed-in member, so RLS (admins only) decides; the audit trigger records them.
import type { Tx } from "@/lib/db";
import type { PrometheusSourceInput } from "./prometheus";

export interface PrometheusSourceRow {
  id: string;
  name: string;
  baseUrl: string;
  query: string;
  metric: string;
  windowSeconds: number;
  intervalSeconds: number;
  enabled: boolean;
  lastRunAt: Date | null;
  lastStatus: "ok" | "no_data" | "error" | null;
  lastError: string | null;
  stored: number | null;
}

export function listPrometheusSources(tx: Tx, migrationId: string): Promise<PrometheusSourceRow[]> {
  return tx<PrometheusSourceRow[]>`
    select id, name, base_url as "baseUrl", query, metric, window_seconds as "windowSeconds", interval_seconds as "intervalSeconds",
           enabled, last_run_at as "lastRunAt", last_status as "lastStatus",
           last_error as "lastError", (last_counts ->> 'stored')::int as stored
      from public.prometheus_sources where migration_id = ${migrationId} order by name`;
}

export async function insertPrometheusSource(tx: Tx, migrationKey: string, s: PrometheusSourceInput): Promise<string | null> {
  const [row] = await tx<{ id: string }[]>`
    insert into public.prometheus_sources (migration_id, name, base_url, query, metric, window_seconds, interval_seconds, enabled)
    select m.id, ${s.name}, ${s.baseUrl}, ${s.query}, ${s.metric}, ${s.windowSeconds}, ${s.intervalSeconds}, ${s.enabled}
      from public.migrations m where m.key = ${migrationKey}
    returning id`;
  return row?.id ?? null;
}

export async function updatePrometheusSource(tx: Tx, id: string, s: PrometheusSourceInput): Promise<boolean> {
  const rows = await tx`
    update public.prometheus_sources
       set name = ${s.name}, base_url = ${s.baseUrl}, query = ${s.query}, metric = ${s.metric}, window_seconds = ${s.windowSeconds},
           interval_seconds = ${s.intervalSeconds}, enabled = ${s.enabled}, updated_at = now()
     where id = ${id} returning id`;
  return rows.length > 0;
}

export async function setPrometheusSourceEnabled(tx: Tx, id: string, enabled: boolean): Promise<boolean> {
  return (await tx`update public.prometheus_sources set enabled = ${enabled}, updated_at = now() where id = ${id} returning id`).length > 0;
}

export async function deletePrometheusSource(tx: Tx, id: string): Promise<boolean> {
  return (await tx`delete from public.prometheus_sources where id = ${id} returning id`).length > 0;
}
