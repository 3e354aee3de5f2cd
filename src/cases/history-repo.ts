import { jsonb, withoutNul } from '../db/json.ts';
import type { Db } from '../db/pool.ts';
import type { HistoryDraft } from '../outbound/intents.ts';

/** A history entry as stored: a draft whose planned message has its id. */
export type HistoryEntry = Omit<HistoryDraft, 'outbound'> & { outboundMessageId?: bigint };

/** R18: the append-only record. `at` is business time from the clock; recorded_at is the wall clock. */
export async function appendHistory(db: Db, e: HistoryEntry): Promise<void> {
  await db`
    insert into case_history (case_id, at, actor, event, data, inbound_message_id, outbound_message_id)
    values (${e.caseId}, ${e.at}, ${e.actor}, ${e.event}, ${db.json(withoutNul(e.data ?? {}) as never)},
            ${e.inboundMessageId ?? null}, ${e.outboundMessageId ?? null})`;
}

/** Many entries in one statement (one JSON parameter), in the order given: a batch's history goes together. */
export function appendHistoryMany(db: Db, entries: readonly HistoryEntry[]): Promise<unknown> {
  if (entries.length === 0) return Promise.resolve();
  // Ids as strings: JSON has no bigint (see jsonb).
  const rows = entries.map((e) => ({
    case_id: String(e.caseId),
    at: e.at,
    actor: e.actor,
    event: e.event,
    data: e.data ?? {},
    inbound_message_id: e.inboundMessageId == null ? null : String(e.inboundMessageId),
    outbound_message_id: e.outboundMessageId == null ? null : String(e.outboundMessageId),
  }));
  return db`
    insert into case_history (case_id, at, actor, event, data, inbound_message_id, outbound_message_id)
    select case_id, at, actor, event, data, inbound_message_id, outbound_message_id
    from rows from (jsonb_to_recordset(${jsonb(rows)}::jsonb) as (case_id bigint, at timestamptz, actor text, event text, data jsonb, inbound_message_id bigint, outbound_message_id bigint))
      with ordinality as v(case_id, at, actor, event, data, inbound_message_id, outbound_message_id, n)
    order by n`;
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
