-- Guardrail rules accept every metric name that ingest stores (0.1.0 allowed only
-- lower-case names, so a metric such as api:latency could be charted but never
-- guarded). The rule is app_private.is_identifier('metric_name', …), the same as
-- the API's (supabase/schemas/common/identifiers.sql). Relaxing a check keeps
-- every existing row valid; validated by the next migration, outside this one's lock.
set lock_timeout = '5s';
set statement_timeout = '60s';
alter table public.guardrail_rules drop constraint if exists guardrail_rules_metric_check;
alter table public.guardrail_rules add constraint guardrail_rules_metric_check
  check (metric is null or app_private.is_identifier('metric_name', metric)) not valid;
