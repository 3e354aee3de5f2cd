import type { Db } from '../db/pool.ts';

export interface NewOutbound {
  caseId: bigint | null;
  kind: string;
  idempotencyKey: string;
  messageId: string;
  to: string[];
  subject: string;
  raw: Buffer;
  status: 'queued' | 'suppressed';
  automatic: boolean;
  audience: 'customer' | 'staff';
  envelopeFrom: string;
  inReplyTo: string | null;
  createdAt: Date;
  /** The pg-boss job that will send it (none when suppressed). */
  jobId: string | null;
  /** For staff alerts: the sender whose mail caused it (capped per day). */
  aboutSender: string | null;
}

/** Undefined when a message for this event exists already: one event, one message. */
export async function insertOutbound(db: Db, m: NewOutbound): Promise<bigint | undefined> {
  const rows = await db<{ id: bigint }[]>`
    insert into outbound_messages (case_id, kind, idempotency_key, message_id, to_addresses, subject, raw, status,
      automatic, audience, envelope_from, in_reply_to, created_at, job_id, about_sender)
    values (${m.caseId}, ${m.kind}, ${m.idempotencyKey}, ${m.messageId}, ${m.to}, ${m.subject}, ${m.raw}, ${m.status},
      ${m.automatic}, ${m.audience}, ${m.envelopeFrom}, ${m.inReplyTo}, ${m.createdAt}, ${m.jobId}, ${m.aboutSender})
    on conflict (idempotency_key) do nothing
    returning id`;
  return rows[0]?.id;
}

/** RFC 3834 loop protection: automatic messages this address got since `since`. */
export async function automaticCountSince(db: Db, address: string, since: Date): Promise<number> {
  const [row] = await db<[{ n: number }]>`
    select count(*)::int as n from outbound_messages
    where to_addresses @> ${[address]}::text[] and automatic and status <> 'suppressed' and created_at > ${since}`;
  return row.n;
}

/** Staff alerts about one sender's mail since `since`, not counting those already held back. */
export async function staffAlertCountSince(db: Db, sender: string, since: Date): Promise<number> {
  const [row] = await db<[{ n: number }]>`
    select count(*)::int as n from outbound_messages
    where about_sender = ${sender} and kind = 'staff_alert' and status <> 'suppressed' and created_at > ${since}`;
  return row.n;
}

/** Threading for a customer-facing message: answer their latest mail, reference the whole conversation. */
export async function customerThread(db: Db, caseId: bigint): Promise<{ inReplyTo: string | null; references: string[] }> {
  const rows = await db<{ message_id: string; direction: string }[]>`
    select message_id, direction from (
      select message_id, received_at as at, id, 'in' as direction from inbound_messages
        where case_id = ${caseId} and message_id is not null and kind in ('complaint', 'reply', 'confirmation', 'not_resolved', 'deadlock_request')
      union all
      select message_id, created_at as at, id, 'out' as direction from outbound_messages
        where case_id = ${caseId} and audience = 'customer'
    ) t order by at, direction, id`;
  const inbound = rows.filter((r) => r.direction === 'in');
  const all = rows.map((r) => r.message_id);
  // RFC 5322 suggests the first and the most recent; keep headers short.
  const references = all.length > 10 ? [all[0]!, ...all.slice(-9)] : all;
  return { inReplyTo: inbound.at(-1)?.message_id ?? null, references };
}

export interface CaseParties {
  reference: string;
  token: string;
  subject: string;
  receivedAt: Date;
  customerEmail: string | null;
  customerName: string | null;
  /** Where the outcome goes (R10) when it is not the address the customer wrote from. */
  registeredEmail: string | null;
  representativeEmail: string | null;
  representativeName: string | null;
  preferredFormat: 'text' | 'html' | 'post';
  postalAddress: string | null;
}

export async function caseParties(db: Db, caseId: bigint): Promise<CaseParties | undefined> {
  const [row] = await db<[CaseParties?]>`
    select c.reference, c.token, c.subject, c.received_at as "receivedAt",
      cu.email as "customerEmail", cu.display_name as "customerName", cu.registered_email as "registeredEmail",
      re.email as "representativeEmail", re.display_name as "representativeName",
      cu.preferred_format as "preferredFormat", cu.postal_address as "postalAddress"
    from cases c join customers cu on cu.id = c.customer_id left join customers re on re.id = c.representative_id
    where c.id = ${caseId}`;
  return row;
}

export interface OutboundForSend {
  id: bigint;
  case_id: bigint | null;
  kind: string;
  status: string;
  raw: Buffer;
  to_addresses: string[];
  envelope_from: string;
  message_id: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
}

export async function loadOutbound(db: Db, id: bigint): Promise<OutboundForSend | undefined> {
  const [row] = await db<[OutboundForSend?]>`
    select id, case_id, kind, status, raw, to_addresses, envelope_from, message_id, attempts, last_error, created_at from outbound_messages where id = ${id}`;
  return row;
}

export async function markSent(db: Db, id: bigint, at: Date): Promise<boolean> {
  const rows = await db`
    update outbound_messages set status = 'sent', sent_at = ${at}, attempts = attempts + 1, last_error = null
    where id = ${id} and status = 'queued' returning id`;
  return rows.length > 0;
}

export async function recordAttemptFailed(db: Db, id: bigint, error: string, permanent: boolean): Promise<void> {
  await db`
    update outbound_messages set attempts = attempts + 1, last_error = ${error},
      status = case when ${permanent} then 'failed' else status end
    where id = ${id}`;
}

export async function insertDeadLetter(db: Db, d: { outboundId: bigint; queue: string; jobId: string | null; error: string; at: Date }): Promise<void> {
  await db`insert into dead_letters (outbound_message_id, queue, job_id, error, created_at) values (${d.outboundId}, ${d.queue}, ${d.jobId}, ${d.error}, ${d.at})`;
}
