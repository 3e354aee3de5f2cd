-- Retention (RETENTION_DAYS_AFTER_CLOSE) and erasure on request: the raw mail, attachments
-- and bodies of a closed case go, and its personal data is replaced by placeholders, while
-- the case, its deadlines and the shape of its history stay so the regulator's figures
-- still add up.

-- Removed content is null rather than an empty value that could pass for a real one.
alter table inbound_messages alter column raw drop not null;
alter table attachments alter column content drop not null;

alter table inbound_messages add column redacted_at timestamptz;
alter table cases add column redacted_at timestamptz;
alter table customers add column erased_at timestamptz;
create index cases_closed_unredacted_idx on cases (closed_at) where redacted_at is null and closed_at is not null;

-- One row per purge or erasure that changed something. It names no one: counts, the
-- cut-off, and which cases (whose own rows no longer hold personal data).
create table erasures (
  id bigserial primary key,
  kind text not null check (kind in ('retention', 'request')),
  at timestamptz not null,
  closed_before timestamptz,
  cases integer not null,
  customers integer not null,
  inbound_messages integer not null,
  attachments integer not null,
  outbound_messages integer not null,
  history_entries integer not null,
  case_ids bigint[] not null default '{}',
  check ((kind = 'retention') = (closed_before is not null))
);

-- The placeholder for personal data that is gone. Null stays null: nothing was there.
create function redacted(value text) returns text language sql immutable as $$
  select case when value is null then null else '[redacted]' end
$$;

-- Each address becomes the placeholder, so the number of recipients still reads true.
create function redacted(value text[]) returns text[] language sql immutable as $$
  select array(select '[redacted]'::text from unnest(value))
$$;

-- Every string in a JSON value becomes the placeholder, except under keys that hold our own
-- vocabulary (rule, kind, flag names, dates, ids); numbers, booleans and the shape stay.
-- A key not listed here is redacted: new history data is safe by default.
create function redacted_json(value jsonb) returns jsonb language plpgsql immutable as $$
declare
  kept constant text[] := array['rule', 'kind', 'due_at', 'flags', 'flag', 'flagsRaised', 'priority', 'staffId',
    'earlierComplaints', 'reference', 'audience', 'verb', 'command', 'reason', 'note', 'status', 'preferredFormat', 'erasure'];
begin
  return case jsonb_typeof(value)
    when 'string' then to_jsonb('[redacted]'::text)
    when 'array' then coalesce((select jsonb_agg(redacted_json(e) order by i) from jsonb_array_elements(value) with ordinality as t(e, i)), '[]'::jsonb)
    when 'object' then coalesce((select jsonb_object_agg(k, case when k = any(kept) then v else redacted_json(v) end) from jsonb_each(value) as t(k, v)), '{}'::jsonb)
    else value
  end;
end $$;

-- Customers and senders are named in the actor; staff act in their role and stay named.
create function redacted_actor(actor text) returns text language sql immutable as $$
  select case when actor ~ '^(customer|sender):' then split_part(actor, ':', 1) || ':[redacted]' else actor end
$$;

-- R18's append-only record, with one controlled exception: inside redact_case_history, for
-- that case only, a row may change its actor and data to exactly their redacted form.
-- Everything else (a delete, any other update, the same update outside the function) is refused.
create or replace function case_history_is_append_only() returns trigger language plpgsql as $$
begin
  if tg_op = 'UPDATE'
     and current_setting('redress.redacting_case', true) = old.case_id::text
     and (new.id, new.case_id, new.at, new.event, new.inbound_message_id, new.outbound_message_id, new.recorded_at)
         is not distinct from (old.id, old.case_id, old.at, old.event, old.inbound_message_id, old.outbound_message_id, old.recorded_at)
     and new.actor = redacted_actor(old.actor)
     and new.data = redacted_json(old.data) then
    return new;
  end if;
  raise exception 'case_history is append-only (% refused)', tg_op;
end $$;

-- Replaces the personal data in one case's history by placeholders; returns the entries changed
-- (0 the second time).
create function redact_case_history(p_case_id bigint) returns integer language plpgsql as $$
declare
  changed integer;
begin
  perform set_config('redress.redacting_case', p_case_id::text, true);
  update case_history set actor = redacted_actor(actor), data = redacted_json(data)
   where case_id = p_case_id and (actor, data) is distinct from (redacted_actor(actor), redacted_json(data));
  get diagnostics changed = row_count;
  perform set_config('redress.redacting_case', '', true);
  return changed;
end $$;
