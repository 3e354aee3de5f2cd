import { appendHistoryMany } from '../cases/history-repo.ts';
import { insertErasure, type RedactableCase, type RedactionCounts, type Tx } from './retention-repo.ts';

export const NOTHING_REDACTED: RedactionCounts = { inbound_messages: 0, attachments: 0, outbound_messages: 0, history_entries: 0 };

export function addCounts(a: RedactionCounts, b: RedactionCounts): RedactionCounts {
  return {
    inbound_messages: a.inbound_messages + b.inbound_messages,
    attachments: a.attachments + b.attachments,
    outbound_messages: a.outbound_messages + b.outbound_messages,
    history_entries: a.history_entries + b.history_entries,
  };
}

export interface Redaction {
  kind: 'retention' | 'request';
  at: Date;
  closedBefore: Date | null;
  cases: RedactableCase[];
  customers: number;
  counts: RedactionCounts;
}

/**
 * Records a purge or an erasure that changed something: one erasures row (counts and case
 * ids, no personal data) and a `case.redacted` entry on each case, dated as the redaction
 * so the entry itself does not mark the case for redaction again. Undefined when nothing changed.
 */
export async function recordRedaction(tx: Tx, r: Redaction): Promise<bigint | undefined> {
  const changed = r.cases.length + r.customers + Object.values(r.counts).reduce((a, b) => a + b, 0);
  if (changed === 0) return undefined;
  const id = await insertErasure(tx, { kind: r.kind, at: r.at, closedBefore: r.closedBefore, caseIds: r.cases.map((c) => c.id), customers: r.customers, ...r.counts });
  const reason = r.kind === 'retention' ? 'retention period ended' : 'erasure requested';
  await appendHistoryMany(tx, r.cases.map((c) => ({ caseId: c.id, at: r.at, actor: 'system', event: 'case.redacted', data: { reason, erasure: Number(id) } })));
  return id;
}

/** The customers and representatives on these cases (R9). */
export function peopleOn(cases: RedactableCase[]): bigint[] {
  return [...new Set(cases.flatMap((c) => (c.representative_id === null ? [c.customer_id] : [c.customer_id, c.representative_id])))];
}
