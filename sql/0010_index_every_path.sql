-- Issue 9: every statement on the intake, run-due and send paths reads through an index, so
-- what a message or a tick costs follows the batch and the day, not the years of history
-- behind them. test/db/statement-plans.test.ts holds each statement to it on a seeded database.

-- R8's repeat-complainant count looks each sender up as a customer and as a representative;
-- only the first had an index, so every complaint read the whole cases table.
create index cases_representative_idx on cases (representative_id, received_at) where representative_id is not null;

-- The digest counts the priority cases among those awaiting review, escalated or due.
create index cases_priority_idx on cases (id) where priority;

-- The daily cap on automatic answers (RFC 3834) counts what went to the batch's addresses
-- since yesterday: with the date indexed too, the planner ANDs it with the addresses' GIN
-- index, so the count reads a day's automatic mail, not all an address ever got (staff get
-- thousands), nor the whole (status, created_at) index by date as it did.
create index outbound_automatic_created_idx on outbound_messages (created_at) where automatic;

-- The digest's sections read one kind of message since the last digest: the command
-- receipts and held alerts, ADR notices and deadlock letters for the report (which the
-- letters' own partial index served), quarantined mail.
create index outbound_kind_created_idx on outbound_messages (kind, created_at);
drop index outbound_letters_idx;
create index inbound_kind_received_idx on inbound_messages (kind, received_at);
drop index inbound_kind_idx;

-- ... and the mail held since the last digest, whatever its kind.
create index inbound_received_idx on inbound_messages (received_at);
