-- Validates the relaxed metric-name check added NOT VALID by the previous migration.
set lock_timeout = '5s';
set statement_timeout = '60s';
alter table public.guardrail_rules validate constraint guardrail_rules_metric_check;
