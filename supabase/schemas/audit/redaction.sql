-- Secrets never enter the audit log: a notification channel's URL is a credential
-- (a Slack incoming webhook's path is its secret), as are signing secrets and token
-- hashes. Every row written to public.audit_events passes through
-- app_private.redact_secrets first; lib/audit/redact.ts applies the same rules when
-- records are read, for rows written before this existed.

-- Creating triggers takes locks: bounded, as every migration's statements are.
set statement_timeout = '60s';

create or replace function app_private.redact_url(p_url text) returns text
language sql immutable set search_path = ''
as $$
  select case
    when p_url ~* '^https?://' then regexp_replace(p_url, '^(https?://)(?:[^/?#@]*@)?([^/?#]*).*$', '\1\2/…', 'i')
    else '[redacted]'
  end
$$;
revoke all on function app_private.redact_url(text) from public, anon, authenticated, service_role;

create or replace function app_private.redact_secrets(p jsonb) returns jsonb
language plpgsql immutable set search_path = ''
as $$
declare
  k text;
  v jsonb;
  result jsonb;
begin
  case jsonb_typeof(p)
  when 'object' then
    result := '{}'::jsonb;
    for k, v in select e.key, e.value from jsonb_each(p) e loop
      if k ~* '^(secret|signing_secret|webhook_secret|token|token_hash|raw_token|password|encrypted_password|api_key|authorization|access_token|refresh_token)$'
         and jsonb_typeof(v) <> 'null' then
        result := result || jsonb_build_object(k, '[redacted]');
      elsif k ~* '(^|_)url$' and jsonb_typeof(v) = 'string' then
        result := result || jsonb_build_object(k, app_private.redact_url(v #>> '{}'));
      else
        result := result || jsonb_build_object(k, app_private.redact_secrets(v));
      end if;
    end loop;
    return result;
  when 'array' then
    return coalesce((select jsonb_agg(app_private.redact_secrets(a.e) order by a.i)
                       from jsonb_array_elements(p) with ordinality a(e, i)), '[]'::jsonb);
  when 'string' then
    return to_jsonb(regexp_replace(
      regexp_replace(p #>> '{}', '(https?://)(?:[^/\s?#@"''<>]*@)?([^/\s?#"''<>]*)[^\s"''<>]*', '\1\2/…', 'gi'),
      '\m(whsec_|rc_)[A-Za-z0-9_-]{8,}', '\1[redacted]', 'g'));
  else
    return p;
  end case;
end
$$;
revoke all on function app_private.redact_secrets(jsonb) from public, anon, authenticated, service_role;

create or replace function app_private.redact_audit_event() returns trigger
language plpgsql security definer set search_path = ''
as $$
begin
  new.details := app_private.redact_secrets(new.details);
  return new;
end
$$;
revoke all on function app_private.redact_audit_event() from public, anon, authenticated, service_role;

drop trigger if exists audit_events_redact on public.audit_events;
create trigger audit_events_redact before insert on public.audit_events
  for each row execute function app_private.redact_audit_event();
