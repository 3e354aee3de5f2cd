-- `redress outbox retry`: a dead letter remembers when it was retried and the send job it
-- became. One with no retried_at is open: the message failed for good and waits for an operator.
alter table dead_letters
  add column retried_at timestamptz,
  add column retry_job_id text;
create index dead_letters_outbound_idx on dead_letters (outbound_message_id);
