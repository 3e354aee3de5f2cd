import type { Db } from '../db/pool.ts';
import { formatReference, newCaseToken } from './reference.ts';

export type CaseStatus = 'new' | 'open' | 'awaiting_confirmation' | 'closed' | 'withdrawn';
export type OwnerRole = 'rep' | 'supervisor' | 'engineering' | 'director';

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
  outcome: string | null;
  closed_at: Date | null;
  closure_reason: string | null;
}

const caseColumns = (db: Db) => db`
  id, reference, token, customer_id, representative_id, subject, status, owner_role, owner_staff_id,
  flags, priority, received_at, outcome, closed_at, closure_reason`;

export interface NewCase {
  year: number;
  customerId: bigint;
  representativeId?: bigint;
  subject: string;
  receivedAt: Date;
  flags: string[];
  priority: boolean;
}

/** Takes the next case number from a sequence, which never blocks a concurrent opening. */
export async function insertCase(db: Db, c: NewCase): Promise<CaseRow> {
  const [next] = await db<[{ n: bigint }]>`select nextval('case_number_seq') as n`;
  const [row] = await db<[CaseRow]>`
    insert into cases (reference, token, customer_id, representative_id, subject, received_at, flags, priority)
    values (${formatReference(c.year, Number(next.n))}, ${newCaseToken()}, ${c.customerId},
            ${c.representativeId ?? null}, ${c.subject}, ${c.receivedAt}, ${c.flags}, ${c.priority})
    returning ${caseColumns(db)}`;
  return row;
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

export async function addCaseFlags(db: Db, caseId: bigint, flags: string[], priority: boolean): Promise<void> {
  await db`
    update cases set flags = array(select distinct unnest(flags || ${flags}::text[])),
      priority = priority or ${priority}, updated_at = now()
    where id = ${caseId}`;
}

/** Addresses that may speak for a case: its customer's and its representative's, registered addresses included (R10's outcome goes there). */
export async function caseAddresses(db: Db, caseId: bigint): Promise<string[]> {
  const rows = await db<{ email: string }[]>`
    select a.email from cases c join customers cu on cu.id in (c.customer_id, c.representative_id)
      cross join lateral unnest(array[cu.email, cu.registered_email]) as a(email)
    where c.id = ${caseId} and a.email is not null`;
  return rows.map((r) => r.email);
}
