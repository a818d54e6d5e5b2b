-- Prometheus as a metric source: per migration, a PromQL template run by the worker
-- for each enrolled workspace and variant (lib/jobs/prometheus-query.ts); results are
-- stored as ordinary samples. Tables only; functions, grants and policies live in
-- supabase/schemas/telemetry/prometheus.sql and supabase/schemas/access/.
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists public.prometheus_sources (
  id uuid primary key default gen_random_uuid(),
  migration_id uuid not null references public.migrations (id) on delete cascade,
  name text not null check (char_length(name) between 1 and 120),
  -- http(s) base URL of the Prometheus server (no credentials; checked again at every run)
  base_url text not null check (base_url ~* '^https?://[^/?#@[:space:]]+' and char_length(base_url) <= 500),
  -- PromQL with {{workspace}}, {{variant}}, {{migration}} and {{window}} placeholders
  query text not null check (char_length(query) between 1 and 4000),
  -- the metric the results are stored as (custom metric name, or latency_ms / error / success)
  metric text not null check (app_private.is_identifier('metric_name', metric)),
  -- {{window}} as a Prometheus duration, in seconds ("300s")
  window_seconds int not null default 300 check (window_seconds between 10 and 86400),
  -- how often it is evaluated (the worker's schedule runs every minute)
  interval_seconds int not null default 60 check (interval_seconds between 60 and 86400),
  enabled boolean not null default true,
  -- the last run: ok | no_data | error, with the reason and counts (written by the worker)
  last_run_at timestamptz,
  last_evaluated_at timestamptz,
  last_status text check (last_status is null or last_status in ('ok', 'no_data', 'error')),
  last_error text,
  last_counts jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (migration_id, name)
);
create index if not exists prometheus_sources_migration_idx on public.prometheus_sources (migration_id);
alter table public.prometheus_sources enable row level security;

-- Each source's latest result per workspace: what the gate reads to say "no data, and why".
create table if not exists public.prometheus_source_results (
  source_id uuid not null references public.prometheus_sources (id) on delete cascade,
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  evaluated_at timestamptz not null,
  status text not null check (status in ('ok', 'no_data', 'error')),
  reason text,
  samples int not null default 0,
  primary key (source_id, workspace_id)
);
create index if not exists prometheus_source_results_workspace_idx on public.prometheus_source_results (workspace_id);
alter table public.prometheus_source_results enable row level security;

-- One row per (source, workspace, variant, evaluation time) ever stored: a re-run for
-- the same time stores nothing twice. Pruned after two days (runs are refused for
-- evaluation times older than one day).
create table if not exists app_private.prometheus_evaluations (
  source_id uuid not null references public.prometheus_sources (id) on delete cascade,
  workspace_id uuid not null references public.workspaces (id) on delete cascade,
  variant text not null check (variant in ('old', 'new')),
  evaluated_at timestamptz not null,
  primary key (source_id, workspace_id, variant, evaluated_at)
);
create index if not exists prometheus_evaluations_time_idx on app_private.prometheus_evaluations (evaluated_at);
