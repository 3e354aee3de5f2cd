import { nextIds, type Db, type Tx } from '../db/pool.ts';
import { CONVERSATION_KINDS } from '../vocabulary.ts';
import type { StoredContent } from './compose.ts';
import type { PlannedMessage } from './intents.ts';
import type { CaseParties } from './message-data.ts';

/** Every statement on `outbound_messages` (and `dead_letters`). */

/** Our messages by Message-ID: what a reply threads to, what a bounce reports. */
export async function outboundByMessageIds(db: Db, ids: readonly string[]): Promise<{ id: bigint; message_id: string; case_id: bigint | null; audience: string; created_at: Date }[]> {
  if (ids.length === 0) return [];
  return db`select id, message_id, case_id, audience, created_at from outbound_messages where message_id = any(${[...ids]}::text[])`;
}

/** Each case's conversation with the customer, oldest first: their messages and ours. */
export async function conversations(db: Db, caseIds: readonly bigint[]): Promise<{ case_id: bigint; message_id: string; direction: 'in' | 'out' }[]> {
  if (caseIds.length === 0) return [];
  const ids = [...caseIds];
  return db`
    select case_id, message_id, direction from (
      select case_id, message_id, received_at as at, id, 'in' as direction from inbound_messages
        where case_id = any(${ids.map(String)}::bigint[]) and message_id is not null and kind = any(${CONVERSATION_KINDS as string[]}::text[])
      union all
      select case_id, message_id, created_at as at, id, 'out' as direction from outbound_messages
        where case_id = any(${ids.map(String)}::bigint[]) and audience = 'customer'
    ) t order by case_id, at, direction, id`;
}

/** The first message each case sent staff: later alerts reference it, so staff see one thread per case. */
export async function firstStaffMessages(db: Db, caseIds: readonly bigint[]): Promise<{ case_id: bigint; message_id: string }[]> {
  if (caseIds.length === 0) return [];
  return db`
    select distinct on (case_id) case_id, message_id from outbound_messages
    where case_id = any(${caseIds.map(String)}::bigint[]) and audience = 'staff' order by case_id, created_at, id`;
}

/**
 * What the send caps look at since `since`: automatic messages per address (RFC 3834
 * loop protection), staff alerts per sender they were about, and which alert-cap
 * summaries exist already. The automatic count filters the date inside the aggregate, so
 * that only the recipient can pick the index: by date, with statistics that have not seen
 * today's rows, a planner reads the whole day once per address (sql/0013).
 */
export async function sendLedger(db: Db, q: { addresses: readonly string[]; senders: readonly string[]; summaryKeys: readonly string[]; since: Date }) {
  const [automatic, alerts, keys] = await Promise.all([
    q.addresses.length === 0
      ? []
      : db<{ address: string; n: number }[]>`
          select a.address, c.n
          from unnest(${[...q.addresses]}::text[]) as a(address),
            lateral (select (count(*) filter (where o.status <> 'suppressed' and o.created_at > ${q.since}))::int as n
                     from outbound_messages o where o.to_addresses @> array[a.address] and o.automatic) c
          where c.n > 0`,
    q.senders.length === 0
      ? []
      : db<{ sender: string; n: number }[]>`
          select about_sender as sender, count(*)::int as n from outbound_messages
          where about_sender = any(${[...q.senders]}::text[]) and kind = 'staff_alert' and status <> 'suppressed' and created_at > ${q.since}
          group by about_sender`,
    q.summaryKeys.length === 0
      ? []
      : db<{ idempotency_key: string }[]>`select idempotency_key from outbound_messages where idempotency_key = any(${[...q.summaryKeys]}::text[])`,
  ]);
  return {
    automatic: new Map(automatic.map((r) => [r.address, r.n])),
    alertsAbout: new Map(alerts.map((r) => [r.sender, r.n])),
    summaries: new Set(keys.map((r) => r.idempotency_key)),
  };
}

export function reserveOutbound(tx: Tx, n: number): Promise<bigint[]> {
  return nextIds(tx, 'outbound_messages_id_seq', n);
}

/** Planned messages with their reserved ids and content, in one statement; `jobId` for those to send. */
export function insertOutbound(tx: Tx, rows: readonly { m: PlannedMessage; content: StoredContent; jobId: string | null }[]): Promise<unknown> {
  if (rows.length === 0) return Promise.resolve();
  const values = rows.map(({ m, content, jobId }) => ({
    id: m.id!,
    case_id: m.caseId,
    kind: m.kind,
    idempotency_key: m.idempotencyKey,
    message_id: m.messageId,
    to_addresses: m.to,
    subject: m.subject,
    content: tx.json(content as never),
    status: m.status,
    automatic: m.automatic,
    audience: m.audience,
    envelope_from: m.envelopeFrom,
    in_reply_to: m.inReplyTo,
    created_at: m.createdAt,
    job_id: jobId,
    about_sender: m.aboutSender,
  }));
  return tx`insert into outbound_messages ${tx(values as never)}`;
}

/** Our messages a permanent bounce reported: marked bounced, with the diagnostic. */
export function markBounced(tx: Tx, rows: readonly { outboundId: bigint; error: string }[]): Promise<unknown> {
  if (rows.length === 0) return Promise.resolve();
  const json = JSON.stringify(rows.map((r) => ({ id: r.outboundId.toString(), error: r.error })));
  return tx`
    update outbound_messages o set status = 'bounced', last_error = v.error
    from jsonb_to_recordset(${json}::jsonb) as v(id bigint, error text) where o.id = v.id`;
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
  raw: Buffer | null;
  content: StoredContent | null;
  to_addresses: string[];
  envelope_from: string;
  message_id: string;
  attempts: number;
  last_error: string | null;
  created_at: Date;
}

export async function loadOutbound(db: Db, id: bigint): Promise<OutboundForSend | undefined> {
  const [row] = await loadOutbounds(db, [id]);
  return row;
}

export async function loadOutbounds(db: Db, ids: readonly bigint[]): Promise<OutboundForSend[]> {
  if (ids.length === 0) return [];
  return db<OutboundForSend[]>`
    select id, case_id, kind, status, raw, content, to_addresses, envelope_from, message_id, attempts, last_error, created_at
    from outbound_messages where id = any(${ids.map(String)}::bigint[])`;
}

/** Keeps the bytes the relay took in place of the content they were composed from; returns the ids that were still queued. */
export async function markSent(db: Db, sent: readonly { id: bigint; at: Date; raw: Buffer }[]): Promise<Set<bigint>> {
  if (sent.length === 0) return new Set();
  const rows = await db<{ id: bigint }[]>`
    update outbound_messages o set status = 'sent', sent_at = v.at::timestamptz, attempts = o.attempts + 1, last_error = null, raw = v.raw::bytea, content = null
    from (values ${db(sent.map((s) => [s.id.toString(), s.at.toISOString(), s.raw]) as never)}) as v(id, at, raw)
    where o.id = v.id::bigint and o.status = 'queued' returning o.id`;
  return new Set(rows.map((r) => r.id));
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
