-- The lifecycle of POLICY.md R1-R18: what the state machine needs to remember per case,
-- what outbound mail needs for threading and loop protection, and where permanent send
-- failures land.

alter table cases
  add column acknowledged_at timestamptz,
  add column reviewed_at timestamptz,
  add column last_customer_contact_at timestamptz,
  add column latest_note text,
  add column latest_note_at timestamptz,
  add column outcome_sent_at timestamptz,
  add column director_escalated_at timestamptz,
  add column director_determined_at timestamptz,
  add column technical_since timestamptz,
  add column engineering_responded_at timestamptz,
  add column adr_notice_sent_at timestamptz,
  add column adr_warned_at timestamptz,
  add column deadlock_requested_at timestamptz,
  add column deadlock_decision text check (deadlock_decision in ('issued', 'refused')),
  add column deadlock_refusal_reason text check (deadlock_refusal_reason in ('timely', 'vexatious', 'jurisdiction')),
  add column reopened_count integer not null default 0;

alter table outbound_messages
  add column automatic boolean not null default false,
  add column audience text not null default 'customer' check (audience in ('customer', 'staff')),
  add column envelope_from text,
  add column in_reply_to text,
  add column job_id text;
create index outbound_to_idx on outbound_messages using gin (to_addresses);
create index outbound_status_idx on outbound_messages (status, created_at);

-- A send that failed for good: kept for the operator, shown to staff.
create table dead_letters (
  id bigserial primary key,
  outbound_message_id bigint references outbound_messages(id),
  queue text not null,
  job_id text,
  error text not null,
  created_at timestamptz not null
);

-- One row per digest day, so a digest is sent once however many workers tick.
create table digests (
  day date primary key,
  sent_at timestamptz not null,
  counts jsonb not null
);
