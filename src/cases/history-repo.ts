import { withoutNul } from '../db/json.ts';
import type { Db } from '../db/pool.ts';

export interface HistoryEntry {
  caseId: bigint;
  at: Date;
  actor: string;
  event: string;
  data?: Record<string, unknown>;
  inboundMessageId?: bigint;
  outboundMessageId?: bigint;
}

/** R18: the append-only record. `at` is business time from the clock; recorded_at is the wall clock. */
export async function appendHistory(db: Db, e: HistoryEntry): Promise<void> {
  await db`
    insert into case_history (case_id, at, actor, event, data, inbound_message_id, outbound_message_id)
    values (${e.caseId}, ${e.at}, ${e.actor}, ${e.event}, ${db.json(withoutNul(e.data ?? {}) as never)},
            ${e.inboundMessageId ?? null}, ${e.outboundMessageId ?? null})`;
}

/** Several entries in one statement: a decision's history and its deadline changes go together. */
export async function appendHistoryMany(db: Db, entries: HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = entries.map((e) => ({
    case_id: e.caseId,
    at: e.at,
    actor: e.actor,
    event: e.event,
    data: db.json(withoutNul(e.data ?? {}) as never),
    inbound_message_id: e.inboundMessageId ?? null,
    outbound_message_id: e.outboundMessageId ?? null,
  }));
  await db`insert into case_history ${db(rows)}`;
}

export interface HistoryRow {
  id: bigint;
  at: Date;
  actor: string;
  event: string;
  data: Record<string, unknown>;
  inbound_message_id: bigint | null;
  outbound_message_id: bigint | null;
}

export async function listHistory(db: Db, caseId: bigint): Promise<HistoryRow[]> {
  return db<HistoryRow[]>`
    select id, at, actor, event, data, inbound_message_id, outbound_message_id
    from case_history where case_id = ${caseId} order by id`;
}
