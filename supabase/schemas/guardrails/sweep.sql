-- The worker's periodic sweep over everything with recent telemetry or open alerts.
create or replace function public.run_guardrail_sweep()
returns jsonb
language sql security definer set search_path = ''
as $$
  select app_private.evaluate_guardrails(null, null)
$$;
