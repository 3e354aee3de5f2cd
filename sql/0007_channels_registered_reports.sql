-- Issue 10: the channel a complaint came by, the customer's registered address, and what the
-- regulator's report reads.

-- The Code of Practice takes complaints by phone, the member portal and letter as well as email.
alter table cases add column channel text not null default 'email'
  check (channel in ('email', 'phone', 'portal', 'letter'));

-- R10: "the outcome ... via email to your registered email address", which may not be where
-- the customer wrote from. Both are personal data: erasure and retention empty them.
alter table customers
  add column registered_email text check (registered_email = lower(registered_email)),
  add column account text;

-- `redress report --from --to`: cases received or closed in a period, deadlines due in it,
-- ADR notices and deadlock letters issued in it. Each is a range scan, not a pass over every row.
create index cases_received_idx on cases (received_at);
create index cases_closed_idx on cases (closed_at) where closed_at is not null;
create index deadlines_due_report_idx on deadlines (due_at) include (kind, status, resolved_at);
create index outbound_letters_idx on outbound_messages (kind, created_at) where kind in ('adr_notice', 'deadlock_letter');

-- A closure confirmed by post (R11) records the letter's date and how it came: our vocabulary,
-- no personal data, so a redacted history keeps them. Otherwise as in 0005.
create or replace function redacted_json(value jsonb) returns jsonb language plpgsql immutable as $$
declare
  kept constant text[] := array['rule', 'kind', 'due_at', 'flags', 'flag', 'flagsRaised', 'priority', 'staffId',
    'earlierComplaints', 'reference', 'audience', 'verb', 'command', 'reason', 'note', 'status', 'preferredFormat', 'erasure',
    'letter_date', 'confirmed_by'];
begin
  return case jsonb_typeof(value)
    when 'string' then to_jsonb('[redacted]'::text)
    when 'array' then coalesce((select jsonb_agg(redacted_json(e) order by i) from jsonb_array_elements(value) with ordinality as t(e, i)), '[]'::jsonb)
    when 'object' then coalesce((select jsonb_object_agg(k, case when k = any(kept) then v else redacted_json(v) end) from jsonb_each(value) as t(k, v)), '{}'::jsonb)
    else value
  end;
end $$;
