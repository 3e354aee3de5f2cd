-- Issue 10: complaints taken by phone, portal or letter, or forwarded by staff with #open. How a
-- complaint came and how it was acknowledged (R1 by phone) is our vocabulary, not personal data:
-- a redacted history keeps it. What the customer said stays redacted. Otherwise as in 0007.
create or replace function redacted_json(value jsonb) returns jsonb language plpgsql immutable as $$
declare
  kept constant text[] := array['rule', 'kind', 'due_at', 'flags', 'flag', 'flagsRaised', 'priority', 'staffId',
    'earlierComplaints', 'reference', 'audience', 'verb', 'command', 'reason', 'note', 'status', 'preferredFormat', 'erasure',
    'letter_date', 'confirmed_by', 'channel', 'forwarded', 'received_from'];
begin
  return case jsonb_typeof(value)
    when 'string' then to_jsonb('[redacted]'::text)
    when 'array' then coalesce((select jsonb_agg(redacted_json(e) order by i) from jsonb_array_elements(value) with ordinality as t(e, i)), '[]'::jsonb)
    when 'object' then coalesce((select jsonb_object_agg(k, case when k = any(kept) then v else redacted_json(v) end) from jsonb_each(value) as t(k, v)), '{}'::jsonb)
    else value
  end;
end $$;
