import type postgres from 'postgres';
import type { Db, Tx } from '../db/pool.ts';

export type { Tx };

export interface RedactableCase {
  id: bigint;
  reference: string;
  status: string;
  customer_id: bigint;
  representative_id: bigint | null;
  /** A message on the case still waits to be sent: its raw bytes are needed. */
  sending: boolean;
  /** Personal data may be present: never redacted, or something was recorded after the last redaction. */
  needs_redaction: boolean;
}

const NEEDS_REDACTION = (db: Db) => db`(c.redacted_at is null or exists (select 1 from case_history h where h.case_id = c.id and h.at > c.redacted_at))`;
const SENDING = (db: Db) => db`exists (select 1 from outbound_messages o where o.case_id = c.id and o.status = 'queued')`;

const caseState = (db: Db) => db`
  c.id, c.reference, c.status, c.customer_id, c.representative_id, ${SENDING(db)} as sending, ${NEEDS_REDACTION(db)} as needs_redaction`;

/** Closed or withdrawn before `closedBefore`, still holding personal data, nothing left to send; by id after `afterId`, locked. */
export async function expiredCases(tx: Tx, closedBefore: Date, afterId: bigint, limit: number): Promise<RedactableCase[]> {
  return tx<RedactableCase[]>`
    select ${caseState(tx)} from cases c
    where c.status in ('closed', 'withdrawn') and c.closed_at < ${closedBefore} and c.id > ${afterId}
      and ${NEEDS_REDACTION(tx)} and not ${SENDING(tx)}
    order by c.id limit ${limit}
    for update of c`;
}

/** Every case the customer is on, as customer or representative (R9), locked. */
export async function casesOfCustomer(tx: Tx, customerId: bigint): Promise<RedactableCase[]> {
  return tx<RedactableCase[]>`
    select ${caseState(tx)} from cases c
    where c.customer_id = ${customerId} or c.representative_id = ${customerId}
    order by c.id for update of c`;
}

/** The customer writing from this address, with the registered address their outcome went to (R10). */
export async function findCustomerForErasure(tx: Tx, email: string): Promise<{ id: bigint; registered_email: string | null } | undefined> {
  const [row] = await tx<[{ id: bigint; registered_email: string | null }?]>`select id, registered_email from customers where email = ${email} for update`;
  return row;
}

export interface RedactionCounts {
  inbound_messages: number;
  attachments: number;
  outbound_messages: number;
  history_entries: number;
}

/**
 * Raw mail, attachments and bodies go; names, addresses, subjects and free text become
 * placeholders. Ids, kinds, statuses, dates, sizes and Message-IDs stay (threading and
 * exactly-once intake still need them), so the figures still add up.
 */
export async function redactCases(tx: Tx, caseIds: bigint[], now: Date): Promise<RedactionCounts> {
  const ids = caseIds.map(String);
  const inbound = await redactInbound(tx, tx`case_id = any(${ids}::bigint[])`, now);
  const outbound = await tx`
    update outbound_messages set raw = null, content = null, to_addresses = redacted(to_addresses), subject = redacted(subject), last_error = redacted(last_error),
      about_sender = redacted(about_sender)
    where case_id = any(${ids}::bigint[]) and (raw is not null or content is not null or subject <> '[redacted]')`;
  await tx`
    update dead_letters set error = '[redacted]'
    where error <> '[redacted]' and outbound_message_id in (select id from outbound_messages where case_id = any(${ids}::bigint[]))`;
  const [history] = await tx<[{ n: number }]>`select coalesce(sum(redact_case_history(id)), 0)::int as n from unnest(${ids}::bigint[]) as id`;
  await tx`
    update cases set subject = redacted(subject), outcome = redacted(outcome), latest_note = redacted(latest_note), redacted_at = ${now}
    where id = any(${ids}::bigint[])`;
  return { ...inbound, outbound_messages: outbound.count, history_entries: history.n };
}

/**
 * Inbound messages matching `where` that still hold personal data, with their attachments: their
 * own content (rows before 0009), or their part of the raw message, which goes with it.
 */
export async function redactInbound(tx: Tx, where: postgres.Fragment, now: Date): Promise<Pick<RedactionCounts, 'inbound_messages' | 'attachments'>> {
  const attachments = await tx`
    update attachments set content = null, filename = redacted(filename)
    where (content is not null or part_id is not null) and inbound_message_id in (select id from inbound_messages where redacted_at is null and ${where})`;
  const inbound = await tx`
    update inbound_messages set
      raw = null, body_text = null, full_text = null, html_sanitized = null,
      from_address = redacted(from_address), from_name = redacted(from_name), envelope_from = redacted(envelope_from),
      to_addresses = redacted(to_addresses), cc_addresses = redacted(cc_addresses), subject = redacted(subject),
      source_ref = redacted(source_ref), classification = redacted_json(classification), sender_auth = redacted_json(sender_auth), redacted_at = ${now}
    where redacted_at is null and ${where}`;
  return { inbound_messages: inbound.count, attachments: attachments.count };
}

/** Mail that never joined a case (spam, auto-replies, quarantined, case-less staff mail) received before `before`. */
export function caselessReceivedBefore(tx: Tx, before: Date): postgres.Fragment {
  return tx`case_id is null and received_at < ${before}`;
}

/** Mail from these addresses that never joined a case. */
export function caselessFrom(tx: Tx, emails: string[]): postgres.Fragment {
  return tx`case_id is null and (lower(from_address) = any(${emails}::text[]) or lower(envelope_from) = any(${emails}::text[]))`;
}

/** Staff digests and case-less notices keep no raw copy past `before`: digests list cases and subjects. */
export async function dropCaselessOutboundBefore(tx: Tx, before: Date): Promise<number> {
  return (await tx`
    update outbound_messages set raw = null, content = null, subject = case when about_sender is null then subject else redacted(subject) end, about_sender = redacted(about_sender)
    where case_id is null and (raw is not null or content is not null or about_sender <> '[redacted]') and created_at < ${before}`).count;
}

/** Case-less messages (staff digests, which list cases by reference and subject) whose raw bytes name any of `needles`. */
export async function dropCaselessOutboundNaming(tx: Tx, needles: string[]): Promise<number> {
  return (await tx`
    update outbound_messages set raw = null, content = null, subject = case when about_sender is null then subject else redacted(subject) end, about_sender = redacted(about_sender)
    where case_id is null and (raw is not null or content is not null or about_sender <> '[redacted]')
      and (exists (select 1 from unnest(${needles}::text[]) as n where position(convert_to(n, 'UTF8') in raw) > 0 or position(n in lower(content::text)) > 0)
        or lower(about_sender) = any(${needles}::text[]))`).count;
}

/** Customers among `ids` left with no case holding personal data lose their email, name, postal address, registered address and account. */
export async function eraseCustomers(tx: Tx, ids: bigint[], now: Date): Promise<number> {
  return (await tx`
    update customers cu set email = null, display_name = null, postal_address = null, registered_email = null, account = null, erased_at = ${now}
    where cu.id = any(${ids.map(String)}::bigint[]) and cu.erased_at is null
      and not exists (select 1 from cases c where (c.customer_id = cu.id or c.representative_id = cu.id) and c.redacted_at is null)`).count;
}

export interface ErasureRecord extends RedactionCounts {
  kind: 'retention' | 'request';
  at: Date;
  closedBefore: Date | null;
  caseIds: bigint[];
  customers: number;
}

/** The record of a purge or an erasure: counts and case ids, no personal data. */
export async function insertErasure(tx: Tx, r: ErasureRecord): Promise<bigint> {
  const [row] = await tx<[{ id: bigint }]>`
    insert into erasures (kind, at, closed_before, cases, customers, inbound_messages, attachments, outbound_messages, history_entries, case_ids)
    values (${r.kind}, ${r.at}, ${r.closedBefore}, ${r.caseIds.length}, ${r.customers}, ${r.inbound_messages}, ${r.attachments},
            ${r.outbound_messages}, ${r.history_entries}, ${r.caseIds.map(String)}::bigint[])
    returning id`;
  return row.id;
}
