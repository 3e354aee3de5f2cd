-- Redress core schema. Forward-only: change it with a new numbered file, never by editing this one.

-- People who complain, and people who complain for them (R9). Email is lower-cased;
-- a customer named by a representative may have no address.
create table customers (
  id bigserial primary key,
  email text unique check (email = lower(email)),
  display_name text,
  preferred_format text not null default 'text' check (preferred_format in ('text', 'html', 'post')),
  postal_address text,
  created_at timestamptz not null default now()
);

create table staff (
  id bigserial primary key,
  email text not null unique check (email = lower(email)),
  role text not null check (role in ('rep', 'supervisor', 'engineering', 'director')),
  display_name text,
  active boolean not null default true,
  created_at timestamptz not null default now()
);

-- Per-year counters so references read CMP-2026-000042 and restart each year.
create table case_reference_counters (
  year integer primary key,
  last_value integer not null
);

create table cases (
  id bigserial primary key,
  reference text not null unique,
  -- unguessable; a reply must carry it (or thread by Message-ID) to count for the case
  token text not null unique,
  customer_id bigint not null references customers(id),
  representative_id bigint references customers(id),
  subject text not null default '',
  status text not null default 'new'
    check (status in ('new', 'open', 'awaiting_confirmation', 'closed', 'withdrawn')),
  -- who owns it now: R4 rep, R5 supervisor, R6 engineering, R7 director
  owner_role text not null default 'rep' check (owner_role in ('rep', 'supervisor', 'engineering', 'director')),
  owner_staff_id bigint references staff(id),
  flags text[] not null default '{}',
  priority boolean not null default false,
  received_at timestamptz not null,
  outcome text,
  closed_at timestamptz,
  closure_reason text check (closure_reason in ('confirmed', 'no_response', 'withdrawn')),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index cases_customer_idx on cases (customer_id, received_at);
create index cases_status_idx on cases (status);

-- Everything that arrived, raw bytes kept whatever became of it.
create table inbound_messages (
  id bigserial primary key,
  -- "mid:<message-id>" or, without one, "sha256:<hex of raw>": the exactly-once key
  identity text not null unique,
  message_id text,
  raw_sha256 text not null,
  raw bytea not null,
  size_bytes integer not null,
  source text not null check (source in ('imap', 'smtp', 'lmtp', 'file')),
  source_ref text,
  received_at timestamptz not null,
  ingested_at timestamptz not null default now(),
  from_address text,
  from_name text,
  envelope_from text,
  to_addresses text[] not null default '{}',
  cc_addresses text[] not null default '{}',
  subject text,
  sent_at timestamptz,
  in_reply_to text,
  reference_ids text[] not null default '{}',
  kind text not null check (kind in (
    'complaint', 'reply', 'confirmation', 'not_resolved', 'deadlock_request', 'staff',
    'auto_reply', 'bounce', 'read_receipt', 'spam', 'other', 'quarantined')),
  case_id bigint references cases(id),
  -- what the customer wrote, quoted history and signature removed
  body_text text,
  -- the full plain text as sent (or as derived from HTML)
  full_text text,
  -- sanitised HTML, safe to show staff; the raw bytes remain the source of truth
  html_sanitized text,
  classification jsonb not null default '{}',
  limit_breaches text[] not null default '{}',
  quarantine_reason text,
  check ((kind = 'quarantined') = (quarantine_reason is not null))
);
create index inbound_case_idx on inbound_messages (case_id, received_at);
create index inbound_kind_idx on inbound_messages (kind);
create index inbound_message_id_idx on inbound_messages (message_id);

create table attachments (
  id bigserial primary key,
  inbound_message_id bigint not null references inbound_messages(id),
  filename text,
  content_type text not null,
  size_bytes integer not null,
  sha256 text not null,
  content_id text,
  inline boolean not null default false,
  content bytea not null
);
create index attachments_message_idx on attachments (inbound_message_id);

-- Everything we send; the idempotency key makes one event send at most one message.
create table outbound_messages (
  id bigserial primary key,
  case_id bigint references cases(id),
  kind text not null,
  idempotency_key text not null unique,
  message_id text not null unique,
  to_addresses text[] not null,
  subject text not null,
  raw bytea,
  status text not null default 'queued' check (status in ('queued', 'sent', 'failed', 'bounced', 'suppressed')),
  attempts integer not null default 0,
  last_error text,
  created_at timestamptz not null,
  sent_at timestamptz
);
create index outbound_case_idx on outbound_messages (case_id, created_at);

-- Append-only case history (R18): who did what, when, with links to the messages.
create table case_history (
  id bigserial primary key,
  case_id bigint not null references cases(id),
  at timestamptz not null,
  actor text not null,
  event text not null,
  data jsonb not null default '{}',
  inbound_message_id bigint references inbound_messages(id),
  outbound_message_id bigint references outbound_messages(id),
  recorded_at timestamptz not null default now()
);
create index case_history_case_idx on case_history (case_id, id);

create function case_history_is_append_only() returns trigger language plpgsql as $$
begin
  raise exception 'case_history is append-only (% refused)', tg_op;
end $$;
create trigger case_history_append_only
  before update or delete on case_history
  for each row execute function case_history_is_append_only();

-- Deadlines per POLICY.md rule, so they can be listed, met, cancelled and re-planned.
create table deadlines (
  id bigserial primary key,
  case_id bigint not null references cases(id),
  rule text not null,
  kind text not null,
  due_at timestamptz not null,
  status text not null default 'pending' check (status in ('pending', 'met', 'cancelled', 'replanned', 'missed')),
  created_at timestamptz not null,
  resolved_at timestamptz,
  data jsonb not null default '{}'
);
create unique index deadlines_one_pending on deadlines (case_id, kind) where status = 'pending';
create index deadlines_due_idx on deadlines (due_at) where status = 'pending';

-- Where the IMAP intake has got to, per mailbox.
create table mailbox_cursors (
  mailbox text primary key,
  uid_validity bigint not null,
  last_uid bigint not null default 0,
  highest_modseq bigint,
  updated_at timestamptz not null default now()
);
