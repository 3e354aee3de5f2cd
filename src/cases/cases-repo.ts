import { jsonb } from '../db/json.ts';
import type { Db, Tx } from '../db/pool.ts';
import type { CaseStatus, Channel, OwnerRole } from '../vocabulary.ts';
import type { CaseFacts } from './decision.ts';
import type { CaseRecord } from './world.ts';

/** Every statement on `cases`. */

export interface CaseRow {
  id: bigint;
  reference: string;
  token: string;
  customer_id: bigint;
  representative_id: bigint | null;
  subject: string;
  status: CaseStatus;
  owner_role: OwnerRole;
  owner_staff_id: bigint | null;
  flags: string[];
  priority: boolean;
  received_at: Date;
  channel: Channel;
  outcome: string | null;
  closed_at: Date | null;
  closure_reason: string | null;
}

const caseColumns = (db: Db) => db`
  id, reference, token, customer_id, representative_id, subject, status, owner_role, owner_staff_id,
  flags, priority, received_at, channel, outcome, closed_at, closure_reason`;

/** Fact name <-> column; the only place that knows both. */
const FACT_COLUMNS = {
  status: 'status',
  flags: 'flags',
  priority: 'priority',
  ownerRole: 'owner_role',
  ownerStaffId: 'owner_staff_id',
  receivedAt: 'received_at',
  acknowledgedAt: 'acknowledged_at',
  reviewedAt: 'reviewed_at',
  lastCustomerContactAt: 'last_customer_contact_at',
  latestNote: 'latest_note',
  latestNoteAt: 'latest_note_at',
  outcome: 'outcome',
  outcomeSentAt: 'outcome_sent_at',
  directorEscalatedAt: 'director_escalated_at',
  directorDeterminedAt: 'director_determined_at',
  technicalSince: 'technical_since',
  engineeringRespondedAt: 'engineering_responded_at',
  adrNoticeSentAt: 'adr_notice_sent_at',
  adrWarnedAt: 'adr_warned_at',
  deadlockRequestedAt: 'deadlock_requested_at',
  deadlockDecision: 'deadlock_decision',
  deadlockRefusalReason: 'deadlock_refusal_reason',
  reopenedCount: 'reopened_count',
  closedAt: 'closed_at',
  closureReason: 'closure_reason',
} as const satisfies Record<keyof CaseFacts, string>;

type FactKey = keyof typeof FACT_COLUMNS;
const FACT_KEYS = Object.keys(FACT_COLUMNS) as FactKey[];
/** SQL types of the fact columns, for jsonb_to_recordset. */
const FACT_TYPES: Record<string, string> = {
  flags: 'text[]',
  priority: 'boolean',
  owner_staff_id: 'bigint',
  reopened_count: 'integer',
  status: 'text',
  owner_role: 'text',
  latest_note: 'text',
  outcome: 'text',
  deadlock_decision: 'text',
  deadlock_refusal_reason: 'text',
  closure_reason: 'text',
};
const typeOf = (column: string) => FACT_TYPES[column] ?? 'timestamptz';

/** Loads cases and locks their rows until the transaction ends, in id order (so two workers never deadlock): one event at a time per case. */
export async function lockCases(tx: Tx, ids: readonly bigint[]): Promise<CaseRecord[]> {
  if (ids.length === 0) return [];
  const rows = await tx<Record<string, unknown>[]>`
    select id, reference, token, customer_id, representative_id, subject, channel, ${tx(Object.values(FACT_COLUMNS))}
    from cases where id = any(${ids.map(String)}::bigint[]) order by id for update`;
  return rows.map((row) => ({
    id: row.id as bigint,
    reference: row.reference as string,
    token: row.token as string,
    customerId: row.customer_id as bigint,
    representativeId: row.representative_id as bigint | null,
    subject: row.subject as string,
    receivedAt: row.received_at as Date,
    channel: row.channel as Channel,
    facts: Object.fromEntries(FACT_KEYS.map((k) => [k, row[FACT_COLUMNS[k]]])) as unknown as CaseFacts,
  }));
}

/** What threading needs of the cases a message may belong to. */
export interface CaseKey {
  id: bigint;
  reference: string;
  token: string;
  status: CaseStatus;
  customer_email: string | null;
  /** The customer's registered address (R10): their replies from it count for the case. */
  customer_registered_email: string | null;
  representative_email: string | null;
}

/** Cases by id, token or reference, and the cases that messages (ours, or mail on a case) with these Message-IDs belong to. */
export async function caseKeys(db: Db, by: { ids?: readonly bigint[]; tokens?: readonly string[]; references?: readonly string[]; messageIds?: readonly string[] }): Promise<CaseKey[]> {
  const ids = [...(by.ids ?? [])];
  const tokens = [...(by.tokens ?? [])];
  const references = [...(by.references ?? [])];
  const messageIds = [...(by.messageIds ?? [])];
  if (ids.length + tokens.length + references.length + messageIds.length === 0) return [];
  return db<CaseKey[]>`
    select c.id, c.reference, c.token, c.status, cu.email as customer_email, cu.registered_email as customer_registered_email, re.email as representative_email
    from cases c join customers cu on cu.id = c.customer_id left join customers re on re.id = c.representative_id
    where c.id in (
      select id from cases where id = any(${ids.map(String)}::bigint[])
      union select id from cases where token = any(${tokens}::text[])
      union select id from cases where reference = any(${references}::text[])
      union select case_id from outbound_messages where message_id = any(${messageIds}::text[]) and case_id is not null
      union select case_id from inbound_messages where message_id = any(${messageIds}::text[]) and case_id is not null)
    order by c.id`;
}

/** R8: when each of these customers complained (as customer or representative) since `since`. */
export async function complaintTimes(db: Db, customerIds: readonly bigint[], since: Date): Promise<{ customer_id: bigint; received_at: Date }[]> {
  if (customerIds.length === 0) return [];
  const ids = [...customerIds];
  return db<{ customer_id: bigint; received_at: Date }[]>`
    select customer_id, received_at from cases where customer_id = any(${ids.map(String)}::bigint[]) and received_at >= ${since}
    union all
    select representative_id, received_at from cases where representative_id = any(${ids.map(String)}::bigint[]) and received_at >= ${since}`;
}

/** Case ids and numbers for `n` new cases. A number taken by a transaction that rolls back leaves a gap, which is harmless. */
export async function reserveCases(tx: Tx, n: number): Promise<{ id: bigint; number: bigint }[]> {
  if (n === 0) return [];
  return tx<{ id: bigint; number: bigint }[]>`
    select nextval('cases_id_seq') as id, nextval('case_number_seq') as number from generate_series(1, ${n})`;
}

const FACT_RECORD = Object.values(FACT_COLUMNS).map((c) => `${c} ${typeOf(c)}`).join(', ');
const FACT_NAMES = Object.values(FACT_COLUMNS).join(', ');

/** New cases in one statement (one JSON parameter). */
export function insertCases(tx: Tx, rows: readonly CaseRecord[]): Promise<unknown> {
  if (rows.length === 0) return Promise.resolve();
  const json = rows.map((r) => ({ id: String(r.id), reference: r.reference, token: r.token, customer_id: String(r.customerId), representative_id: r.representativeId === null ? null : String(r.representativeId), subject: r.subject, channel: r.channel, ...factValues(r.facts) }));
  return tx.unsafe(
    `insert into cases (id, reference, token, customer_id, representative_id, subject, channel, ${FACT_NAMES})
     select id, reference, token, customer_id, representative_id, subject, channel, ${FACT_NAMES}
     from jsonb_to_recordset($1::jsonb) as v(id bigint, reference text, token text, customer_id bigint, representative_id bigint, subject text, channel text, ${FACT_RECORD})`,
    [jsonb(json)],
  );
}

/** Writes the facts of many cases in one statement. */
export function updateCaseFacts(tx: Tx, rows: readonly { id: bigint; facts: CaseFacts }[]): Promise<unknown> {
  if (rows.length === 0) return Promise.resolve();
  const columns = Object.values(FACT_COLUMNS);
  const json = rows.map((r) => ({ id: String(r.id), ...factValues(r.facts) }));
  return tx.unsafe(
    `update cases c set ${columns.map((c) => `${c} = v.${c}`).join(', ')}, updated_at = now()
     from jsonb_to_recordset($1::jsonb) as v(id bigint, ${FACT_RECORD})
     where c.id = v.id`,
    [jsonb(json)],
  );
}

function factValues(f: CaseFacts): Record<string, unknown> {
  return Object.fromEntries(FACT_KEYS.map((k) => [FACT_COLUMNS[k], f[k]]));
}

export async function findCaseByReference(db: Db, reference: string): Promise<CaseRow | undefined> {
  const [row] = await db<[CaseRow?]>`select ${caseColumns(db)} from cases where reference = ${reference.toUpperCase()}`;
  return row;
}

export interface CaseListFilter {
  status?: string;
  /** Keyset paging: only cases with a larger id, in id order. */
  afterId?: bigint;
  limit?: number;
}

export async function listCases(db: Db, f: CaseListFilter = {}): Promise<CaseRow[]> {
  return db<CaseRow[]>`
    select ${caseColumns(db)} from cases
    where id > ${f.afterId ?? 0n} ${f.status ? db`and status = ${f.status}` : db``}
    order by id ${f.limit === undefined ? db`` : db`limit ${f.limit}`}`;
}
