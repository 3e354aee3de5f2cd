-- Issue 9: a message is stored once, as its raw bytes. An attachment is a reference into its
-- raw message (the MIME part number; src/intake/attachment-content.ts decodes it on demand and
-- checks the digest), not a second, decoded copy. Rows stored before this keep their content.
alter table attachments add column part_id text;
comment on column attachments.part_id is 'MIME part number (IMAP style) of the attachment in inbound_messages.raw; null for rows that hold their content';
comment on column attachments.content is 'decoded bytes, only in rows stored before part_id (0009); newer rows are read from the raw message';

-- The whole text is not written a second time when it is what the customer wrote.
comment on column inbound_messages.full_text is 'the full plain text; null when it equals body_text (since 0009) or when purged';
