-- Progress of a long bulk action (a wave, a hand-picked advance), told to the
-- caller while the action's one transaction is still running. Nothing is written:
-- a NOTICE reaches the client at once, ahead of the result, so the app can show
-- "120 of 500 so far" without splitting the action into several transactions.
-- The caller opts in by setting `rollout.progress` (an id it chose) for the
-- transaction; without it this does nothing. `done` of `total` is the share of
-- the work finished: for a wave, workspaces moved or refused of those it means to
-- move; for a hand-picked advance, workspaces looked at of those given.

create or replace function app_private.report_progress(
  p_looked int, p_done int, p_total int, p_moved int, p_failed int, p_skipped int, p_final boolean default false)
returns void
language plpgsql volatile set search_path = ''
as $$
declare
  v_id text := current_setting('rollout.progress', true);
begin
  -- After the first workspace, every 10th and the last: a few dozen notices for
  -- a wave of hundreds.
  if coalesce(v_id, '') = '' or not (p_final or p_looked % 10 = 1) then
    return;
  end if;
  raise notice using message = 'rollout.progress',
    detail = jsonb_build_object('id', v_id, 'looked', p_looked, 'done', p_done, 'total', p_total,
      'moved', p_moved, 'failed', p_failed, 'skipped', p_skipped, 'final', p_final)::text;
end
$$;
