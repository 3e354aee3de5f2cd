-- Intake plans messages faster than it can MIME-encode them: a planned message keeps what it
-- says (headers, rendered text and HTML, attachments) as `content`, and the send composes the
-- bytes and keeps them in `raw` (the exact bytes the relay took) in place of `content`.
-- Composition is deterministic (Date and boundaries come from the content), so the bytes a
-- reader composes from `content` before the send are the bytes the send will store.
alter table outbound_messages add column content jsonb;
