-- Who may act by email (issue: only the right people can act by email).

-- The sender-authentication verdict each inbound message was judged with: the MTA's
-- trusted Authentication-Results, or SPF/DKIM/DMARC computed by Redress itself.
alter table inbound_messages
  add column sender_auth jsonb not null default '{}',
  -- sha256 of the message after the delivery trace (Return-Path, Received, ...): two
  -- arrivals of one message share it; a stranger reusing a Message-ID does not.
  add column content_sha256 text,
  -- set when an earlier message already carried this Message-ID with other content
  add column collides_with bigint references inbound_messages(id);

-- Staff alerts caused by one sender's mail are capped per day (the rest summarised).
alter table outbound_messages add column about_sender text;
create index outbound_about_sender_idx on outbound_messages (about_sender, created_at) where about_sender is not null;
