import type { Db } from '../db/pool.ts';
import type { StoredContent } from './compose.ts';
import type { OutboundStatus } from '../vocabulary.ts';

/** What `redress outbox list` filters on: a stored status, or `dead` (an open dead letter). */
export const OUTBOX_FILTERS = ['queued', 'sent', 'failed', 'dead', 'bounced', 'suppressed'] as const satisfies readonly (OutboundStatus | 'dead')[];
export type OutboxFilter = (typeof OUTBOX_FILTERS)[number];

export interface OutboxListFilter {
  status?: OutboxFilter;
  caseId?: bigint;
  /** Keyset paging on the message id. */
  afterId?: bigint;
  limit?: number;
}

export interface OutboxRow {
  id: bigint;
  case: string | null;
  kind: string;
  status: string;
  /** An open dead letter: failed for good and not retried since. */
  dead: boolean;
  attempts: number;
  to: string[];
  subject: string;
  message_id: string;
  created_at: Date;
  sent_at: Date | null;
  last_error: string | null;
}

const rowColumns = (db: Db) => db`
  o.id, c.reference as case, o.kind, o.status,
  exists (select 1 from dead_letters d where d.outbound_message_id = o.id and d.retried_at is null) as dead,
  o.attempts, o.to_addresses as to, o.subject, o.message_id, o.created_at, o.sent_at, o.last_error`;

export async function listOutbound(db: Db, f: OutboxListFilter): Promise<OutboxRow[]> {
  const status =
    f.status === undefined
      ? db``
      : f.status === 'dead'
        ? db`and exists (select 1 from dead_letters d where d.outbound_message_id = o.id and d.retried_at is null)`
        : db`and o.status = ${f.status}`;
  return db<OutboxRow[]>`
    select ${rowColumns(db)} from outbound_messages o left join cases c on c.id = o.case_id
    where o.id > ${f.afterId ?? 0n} ${status} ${f.caseId === undefined ? db`` : db`and o.case_id = ${f.caseId}`}
    order by o.id ${f.limit === undefined ? db`` : db`limit ${f.limit}`}`;
}

export interface OutboundDetailRow extends OutboxRow {
  case_id: bigint | null;
  audience: string;
  automatic: boolean;
  envelope_from: string | null;
  in_reply_to: string | null;
  job_id: string | null;
  raw: Buffer | null;
  content: StoredContent | null;
}

export async function findOutbound(db: Db, id: bigint): Promise<OutboundDetailRow | undefined> {
  const [row] = await db<[OutboundDetailRow?]>`
    select ${rowColumns(db)}, o.case_id, o.audience, o.automatic, o.envelope_from, o.in_reply_to, o.job_id, o.raw, o.content
    from outbound_messages o left join cases c on c.id = o.case_id where o.id = ${id}`;
  return row;
}

export interface DeadLetterRow {
  id: bigint;
  queue: string;
  job_id: string | null;
  error: string;
  created_at: Date;
  retried_at: Date | null;
  retry_job_id: string | null;
}

export async function deadLettersOf(db: Db, outboundId: bigint): Promise<DeadLetterRow[]> {
  return db<DeadLetterRow[]>`
    select id, queue, job_id, error, created_at, retried_at, retry_job_id
    from dead_letters where outbound_message_id = ${outboundId} order by id`;
}

export interface RetryCandidate {
  id: bigint;
  case_id: bigint | null;
  reference: string | null;
  kind: string;
  status: string;
  has_source: boolean;
  last_error: string | null;
}

/** Locks the message row until the transaction ends, so two retries of one message queue one job. */
export async function lockOutboundForRetry(db: Db, id: bigint): Promise<RetryCandidate | undefined> {
  const [row] = await db<[RetryCandidate?]>`
    select o.id, o.case_id, c.reference, o.kind, o.status, (o.raw is not null or o.content is not null) as has_source, o.last_error
    from outbound_messages o left join cases c on c.id = o.case_id where o.id = ${id} for update of o`;
  return row;
}

export async function requeueOutbound(db: Db, id: bigint, jobId: string): Promise<void> {
  await db`update outbound_messages set status = 'queued', job_id = ${jobId} where id = ${id} and status = 'failed'`;
}

/** Marks the message's open dead letters retried; returns their ids. */
export async function closeDeadLetters(db: Db, outboundId: bigint, at: Date, jobId: string): Promise<bigint[]> {
  const rows = await db<{ id: bigint }[]>`
    update dead_letters set retried_at = ${at}, retry_job_id = ${jobId}
    where outbound_message_id = ${outboundId} and retried_at is null returning id`;
  return rows.map((r) => r.id).sort((a, b) => (a < b ? -1 : 1));
}

/** Every message that failed for good, oldest first: what `outbox retry --all-dead` re-queues. */
export async function failedOutboundIds(db: Db): Promise<bigint[]> {
  const rows = await db<{ id: bigint }[]>`select id from outbound_messages where status = 'failed' order by id`;
  return rows.map((r) => r.id);
}
