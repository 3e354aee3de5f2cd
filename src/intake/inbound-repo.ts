import { withoutNul } from '../db/json.ts';
import type { Db } from '../db/pool.ts';
import type { SenderAuth } from './sender-auth.ts';
import type { Classification, IntakeInput, MessageKind, ParsedMessage } from './types.ts';

export interface StoredIdentity {
  id: bigint;
  kind: MessageKind;
  case_id: bigint | null;
  from_address: string | null;
}

export async function findInboundByIdentity(db: Db, identity: string): Promise<StoredIdentity | undefined> {
  const [row] = await db<[StoredIdentity?]>`
    select id, kind, case_id, from_address from inbound_messages where identity = ${identity}`;
  return row;
}

/**
 * The stored message this arrival repeats: the same Message-ID (or, without one, the same
 * bytes) and the same content after the delivery trace. `first` is the earlier message
 * under this identity when it is a different message (a Message-ID collision).
 */
export async function findSameMessage(db: Db, identity: string, messageId: string | undefined, content: string): Promise<{ same?: StoredIdentity; first?: StoredIdentity }> {
  const rows = messageId === undefined
    ? await db<(StoredIdentity & { content_sha256: string | null; raw_sha256: string; identity: string })[]>`
        select id, kind, case_id, from_address, content_sha256, raw_sha256, identity from inbound_messages where identity = ${identity}`
    : await db<(StoredIdentity & { content_sha256: string | null; raw_sha256: string; identity: string })[]>`
        select id, kind, case_id, from_address, content_sha256, raw_sha256, identity from inbound_messages
        where message_id = ${messageId} order by id`;
  const first = rows.find((r) => r.identity === identity);
  // Rows stored before content digests existed compare by identity alone, as they always did.
  const same = rows.find((r) => r.content_sha256 === content || r.content_sha256 === null);
  return { ...(same ? { same } : {}), ...(first && !same ? { first } : {}) };
}

interface Common {
  input: IntakeInput;
  identity: string;
  rawSha256: string;
  contentSha256: string;
  collidesWith?: bigint;
}

/** Stores a parsed message; undefined when its identity is already stored (a concurrent duplicate). */
export async function insertInbound(db: Db, c: Common & { msg: ParsedMessage; cls: Classification; senderAuth: SenderAuth }): Promise<bigint | undefined> {
  const { input, msg, cls } = c;
  const rows = await db<{ id: bigint }[]>`
    insert into inbound_messages (
      identity, message_id, raw_sha256, content_sha256, collides_with, sender_auth, raw, size_bytes, source, source_ref, received_at,
      from_address, from_name, envelope_from, to_addresses, cc_addresses, subject, sent_at, in_reply_to,
      reference_ids, kind, case_id, body_text, full_text, html_sanitized, classification, limit_breaches)
    values (
      ${c.identity}, ${msg.messageId ?? null}, ${c.rawSha256}, ${c.contentSha256}, ${c.collidesWith ?? null},
      ${db.json(withoutNul(c.senderAuth) as never)}, ${input.raw}, ${input.raw.length}, ${input.source},
      ${input.sourceRef ?? null}, ${input.receivedAt}, ${msg.from?.address ?? null}, ${msg.from?.name ?? null},
      ${input.envelopeFrom ?? null}, ${msg.to.map((a) => a.address)}, ${msg.cc.map((a) => a.address)},
      ${strip(msg.subject)}, ${validDate(msg.date)}, ${msg.inReplyTo ?? null}, ${msg.references}, ${cls.kind},
      ${cls.caseId ?? null}, ${strip(msg.newText)}, ${strip(msg.text)}, ${msg.htmlSanitized ? strip(msg.htmlSanitized) : null},
      ${db.json(withoutNul(classificationRecord(msg, cls)) as never)}, ${msg.limitBreaches})
    on conflict (identity) do nothing
    returning id`;
  return rows[0]?.id;
}

/** Stores the raw bytes of a message that could not be parsed, with the reason. */
export async function insertQuarantined(
  db: Db,
  c: Common & { reason: string; limitBreaches: string[]; messageId?: string },
): Promise<bigint | undefined> {
  const rows = await db<{ id: bigint }[]>`
    insert into inbound_messages (
      identity, message_id, raw_sha256, content_sha256, collides_with, raw, size_bytes, source, source_ref, received_at, envelope_from,
      kind, quarantine_reason, limit_breaches)
    values (
      ${c.identity}, ${c.messageId ?? null}, ${c.rawSha256}, ${c.contentSha256}, ${c.collidesWith ?? null}, ${c.input.raw}, ${c.input.raw.length}, ${c.input.source},
      ${c.input.sourceRef ?? null}, ${c.input.receivedAt}, ${c.input.envelopeFrom ?? null},
      'quarantined', ${c.reason}, ${c.limitBreaches})
    on conflict (identity) do nothing
    returning id`;
  return rows[0]?.id;
}

export async function setInboundCase(db: Db, inboundId: bigint, caseId: bigint): Promise<void> {
  await db`update inbound_messages set case_id = ${caseId} where id = ${inboundId}`;
}

export async function insertAttachments(db: Db, inboundId: bigint, msg: ParsedMessage): Promise<void> {
  if (msg.attachments.length === 0) return;
  const rows = msg.attachments.map((a) => ({
    inbound_message_id: inboundId,
    filename: a.filename ? strip(a.filename) : null,
    content_type: a.contentType,
    size_bytes: a.size,
    sha256: a.sha256,
    content_id: a.contentId ?? null,
    inline: a.inline,
    content: a.content,
  }));
  await db`insert into attachments ${db(rows)}`;
}

function classificationRecord(msg: ParsedMessage, cls: Classification) {
  return {
    reasons: cls.reasons,
    signals: cls.signals ?? null,
    deliveryReport: msg.deliveryReport ?? null,
    headers: pickHeaders(msg.headers),
  };
}

const KEPT_HEADERS = ['auto-submitted', 'precedence', 'list-id', 'x-autoreply', 'return-path', 'authentication-results', 'x-spam-flag', 'x-spam-status'];

function pickHeaders(headers: Record<string, string[]>): Record<string, string[]> {
  return Object.fromEntries(KEPT_HEADERS.filter((h) => headers[h]).map((h) => [h, headers[h]!.map(strip)]));
}

/** Postgres text cannot hold NUL; hostile mail can. The raw bytes keep the original. */
function strip(s: string): string {
  return s.replaceAll('\u0000', '');
}

function validDate(d: Date | undefined): Date | null {
  return d && !Number.isNaN(d.getTime()) && Math.abs(d.getUTCFullYear()) < 10000 ? d : null;
}
