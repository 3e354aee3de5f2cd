import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { jsonb } from '../db/json.ts';
import { nextIds, type Db, type Tx } from '../db/pool.ts';
import type { SenderAuth } from './sender-auth.ts';
import type { Classification, IntakeInput, MessageKind, ParsedMessage } from './types.ts';

export interface StoredIdentity {
  id: bigint;
  identity: string;
  message_id: string | null;
  kind: MessageKind;
  case_id: bigint | null;
  from_address: string | null;
  content_sha256: string | null;
}

/** Every stored message that shares an identity or a Message-ID with the batch: what duplicates and collisions are judged against. */
export async function storedIdentities(db: Db, identities: readonly string[], messageIds: readonly string[]): Promise<StoredIdentity[]> {
  if (identities.length + messageIds.length === 0) return [];
  return db<StoredIdentity[]>`
    select id, identity, message_id, kind, case_id, from_address, content_sha256 from inbound_messages
    where id in (
      select id from inbound_messages where identity = any(${[...identities]}::text[])
      union select id from inbound_messages where message_id = any(${[...messageIds]}::text[]))
    order by id`;
}

/** Mail already on a case under these Message-IDs: what a follow-up to it threads to. */
export async function inboundOnCases(db: Db, messageIds: readonly string[]): Promise<{ message_id: string; case_id: bigint; kind: MessageKind; received_at: Date }[]> {
  if (messageIds.length === 0) return [];
  return db`select message_id, case_id, kind, received_at from inbound_messages where message_id = any(${[...messageIds]}::text[]) and case_id is not null`;
}

export function reserveInbound(tx: Tx, n: number): Promise<bigint[]> {
  return nextIds(tx, 'inbound_messages_id_seq', n);
}

/** One message as stored: parsed and classified, or quarantined with its reason. */
export interface InboundInsert {
  id: bigint;
  input: IntakeInput;
  identity: string;
  messageId: string | null;
  rawSha256: string;
  contentSha256: string;
  collidesWith: bigint | null;
  caseId: bigint | null;
  parsed?: { msg: ParsedMessage; cls: Classification; senderAuth: SenderAuth };
  quarantine?: { reason: string; limitBreaches: string[] };
}

/**
 * Raw messages past this size do not travel as a query parameter: postgres.js sends a bytea as
 * hex text (twice its size) and builds it into its write buffer, several copies of the message
 * in memory. `stageLargeRaw` sends them by binary COPY instead, 64 KiB at a time.
 */
export const STAGED_RAW_BYTES = 1024 * 1024;
const COPY_CHUNK = 64 * 1024;

function isStaged(r: InboundInsert): boolean {
  return r.input.raw.length > STAGED_RAW_BYTES;
}

/**
 * Before `insertInbound`, in the same transaction: the raw bytes of the large messages go by
 * binary COPY into a table of this transaction, from which `insertInbound` fills them in. A
 * COPY cannot share the wire with other statements, so this runs (and is awaited) on its own.
 */
export async function stageLargeRaw(tx: Tx, rows: readonly InboundInsert[]): Promise<void> {
  const staged = rows.filter(isStaged);
  if (staged.length === 0) return;
  await tx`create temp table inbound_raw_staged (id bigint primary key, raw bytea not null) on commit drop`;
  const copy = await tx`copy inbound_raw_staged (id, raw) from stdin (format binary)`.writable();
  await pipeline(Readable.from(copyBinary(staged)), copy);
}

/** PostgreSQL's binary COPY format: a header, one (int8, bytea) tuple per message, the trailer. */
function* copyBinary(rows: readonly InboundInsert[]): Generator<Buffer> {
  yield Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
  for (const r of rows) {
    const tuple = Buffer.alloc(2 + 4 + 8 + 4);
    tuple.writeInt16BE(2, 0);
    tuple.writeInt32BE(8, 2);
    tuple.writeBigInt64BE(r.id, 6);
    tuple.writeInt32BE(r.input.raw.length, 14);
    yield tuple;
    for (let at = 0; at < r.input.raw.length; at += COPY_CHUNK) yield r.input.raw.subarray(at, at + COPY_CHUNK);
  }
  yield Buffer.from([0xff, 0xff]);
}

/**
 * Stores a batch of messages in one statement, with their attachments in a second (each a
 * reference into its raw message, not a copy). Large raw messages were staged by `stageLargeRaw`
 * and are filled in by a third.
 */
export function insertInbound(tx: Tx, rows: readonly InboundInsert[]): Promise<unknown>[] {
  if (rows.length === 0) return [];
  const values = rows.map((r) => ({ ...commonColumns(r), ...(r.parsed ? parsedColumns(r.parsed) : quarantinedColumns(r.quarantine!)) }));
  const out: Promise<unknown>[] = [tx`insert into inbound_messages ${tx(values as never)}`];
  if (rows.some(isStaged)) out.push(tx`update inbound_messages i set raw = s.raw from inbound_raw_staged s where i.id = s.id`);
  const attachments = rows.flatMap((r) => (r.parsed?.msg.attachments ?? []).map((a) => attachmentColumns(r.id, a)));
  if (attachments.length > 0) out.push(tx`insert into attachments ${tx(attachments as never)}`);
  return out;
}

function commonColumns(r: InboundInsert) {
  return {
    id: r.id,
    identity: r.identity,
    message_id: r.messageId,
    raw_sha256: r.rawSha256,
    content_sha256: r.contentSha256,
    collides_with: r.collidesWith,
    raw: isStaged(r) ? null : r.input.raw,
    size_bytes: r.input.raw.length,
    source: r.input.source,
    source_ref: r.input.sourceRef ?? null,
    received_at: r.input.receivedAt,
    envelope_from: r.input.envelopeFrom ?? null,
    case_id: r.caseId,
  };
}

function parsedColumns({ msg, cls, senderAuth }: NonNullable<InboundInsert['parsed']>) {
  const [written, whole] = [strip(msg.newText), strip(msg.text)];
  return {
    kind: cls.kind,
    sender_auth: jsonb(senderAuth),
    from_address: msg.from?.address ?? null,
    from_name: msg.from?.name ?? null,
    to_addresses: msg.to.map((a) => a.address),
    cc_addresses: msg.cc.map((a) => a.address),
    subject: strip(msg.subject),
    sent_at: validDate(msg.date),
    in_reply_to: msg.inReplyTo ?? null,
    reference_ids: msg.references,
    body_text: written,
    full_text: whole === written ? null : whole, // the text once when it is all the customer's own
    html_sanitized: msg.htmlSanitized ? strip(msg.htmlSanitized) : null,
    classification: jsonb(classificationRecord(msg, cls)),
    limit_breaches: msg.limitBreaches,
    quarantine_reason: null,
  };
}

function quarantinedColumns(q: NonNullable<InboundInsert['quarantine']>) {
  return {
    kind: 'quarantined',
    sender_auth: '{}',
    from_address: null,
    from_name: null,
    to_addresses: [],
    cc_addresses: [],
    subject: null,
    sent_at: null,
    in_reply_to: null,
    reference_ids: [],
    body_text: null,
    full_text: null,
    html_sanitized: null,
    classification: '{}',
    limit_breaches: q.limitBreaches,
    quarantine_reason: q.reason,
  };
}

function attachmentColumns(inboundId: bigint, a: ParsedMessage['attachments'][number]) {
  return {
    inbound_message_id: inboundId,
    filename: a.filename ? strip(a.filename) : null,
    content_type: a.contentType,
    size_bytes: a.size,
    sha256: a.sha256,
    content_id: a.contentId ?? null,
    inline: a.inline,
    part_id: a.partId,
  };
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
