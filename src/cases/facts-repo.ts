import type { Db } from '../db/pool.ts';
import type { CaseFacts } from './lifecycle.ts';

/** Column <-> fact names; the only place that knows both. */
const COLUMNS = {
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

type FactKey = keyof typeof COLUMNS;
const FACT_KEYS = Object.keys(COLUMNS) as FactKey[];

/** Loads a case's facts and locks its row until the transaction ends: one event at a time per case. */
export async function loadFactsForUpdate(db: Db, caseId: bigint): Promise<CaseFacts | undefined> {
  const [row] = await db<[Record<string, unknown>?]>`
    select ${db(Object.values(COLUMNS))} from cases where id = ${caseId} for update`;
  if (!row) return undefined;
  return Object.fromEntries(FACT_KEYS.map((k) => [k, row[COLUMNS[k]]])) as unknown as CaseFacts;
}

export async function saveFacts(db: Db, caseId: bigint, patch: Partial<CaseFacts>): Promise<void> {
  const keys = FACT_KEYS.filter((k) => k in patch);
  if (keys.length === 0) return;
  const values = Object.fromEntries(keys.map((k) => [COLUMNS[k], patch[k] ?? null]));
  await db`update cases set ${db(values as Record<string, never>)}, updated_at = now() where id = ${caseId}`;
}
