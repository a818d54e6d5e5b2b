-- Guardrail rules decide with sequential tests (checks/stats.sql) and take graduated
-- actions: a rule's test is 'fixed' (today's point estimate against the limit) or
-- 'sequential' (a confidence sequence that stays valid under continuous evaluation);
-- 'hold' pauses the workspace where it is; dry_run records what the rule would have
-- done without doing it. Stage gates take extra checks (custom metrics and more).
-- Additive: new defaulted columns; the action constraint only widens.
set lock_timeout = '5s';
set statement_timeout = '60s';

alter table public.guardrail_rules add column if not exists test text not null default 'fixed'
  check (test in ('fixed', 'sequential'));
alter table public.guardrail_rules add column if not exists alpha double precision
  check (alpha is null or (alpha > 0 and alpha < 0.5));
alter table public.guardrail_rules add column if not exists dry_run boolean not null default false;

-- 'hold' joins the actions (notify = 'alert', hold, roll back, flags off). The new
-- constraint is wider than the old one, so every existing row meets it: NOT VALID
-- skips a pointless scan while new and updated rows are checked.
alter table public.guardrail_rules drop constraint if exists guardrail_rules_action_check;
alter table public.guardrail_rules add constraint guardrail_rules_action_check
  check (action in ('alert', 'hold', 'rollback_previous', 'rollback_zero', 'disable_flags')) not valid;

-- The default rules decide sequentially from now on (same limits, same actions).
update public.guardrail_rules set test = 'sequential'
 where migration_id is null and test = 'fixed'
   and name in ('Error rate above baseline', 'p95 latency regression', 'Success rate below 80 %');

-- Extra checks of a stage's gate, beside its columns: [{statistic, metric?, comparison,
-- operator, threshold, min_samples?, alpha?, label?}] (see checks/evaluate.sql).
alter table public.migration_stages add column if not exists checks jsonb not null default '[]'::jsonb;
