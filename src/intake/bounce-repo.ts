import type { Db } from '../db/pool.ts';
import type { DeliveryReport } from './types.ts';

/** A bounce of one of our messages: mark that message bounced and return its case. */
export async function caseForBounce(db: Db, report: DeliveryReport | undefined): Promise<{ id: bigint; outboundId: bigint } | undefined> {
  if (!report?.originalMessageId) return undefined;
  const [row] = await db<[{ id: bigint; case_id: bigint | null }?]>`
    select id, case_id from outbound_messages where message_id = ${report.originalMessageId}`;
  if (!row) return undefined;
  if (report.permanent) {
    await db`update outbound_messages set status = 'bounced', last_error = ${report.diagnostic ?? report.status ?? 'bounced'} where id = ${row.id}`;
  }
  return row.case_id ? { id: row.case_id, outboundId: row.id } : undefined;
}
