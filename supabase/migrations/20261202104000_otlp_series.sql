-- OTLP/HTTP metrics (POST /v1/metrics): the last point of each cumulative series
-- a token sends, so the next point can be turned into a delta
-- (supabase/schemas/telemetry/otlp.sql). Bounded per token by the receiver
-- (OTLP_MAX_SERIES_PER_TOKEN) and pruned after 24 hours without a point
-- (public.prune_raw_metrics). Reached only through security-definer functions.
set lock_timeout = '5s';
set statement_timeout = '60s';

create table if not exists app_private.otlp_series (
  token_id uuid not null references public.ingest_tokens (id) on delete cascade,
  -- sha256 of the series identity: resource, scope, metric, unit, point attributes
  series_key text not null check (length(series_key) = 64),
  -- {k: kind, s: start ns, t: time ns, ...the cumulative value or buckets}
  state jsonb not null,
  updated_at timestamptz not null default now(),
  primary key (token_id, series_key)
);
create index if not exists otlp_series_updated_idx on app_private.otlp_series (updated_at);

revoke all on app_private.otlp_series from public, anon, authenticated, service_role;
