import { advanceCase, type CaseDeps } from '../cases/advance.ts';
import type { Clock } from '../clock.ts';
import type { Sql } from '../db/pool.ts';
import { errorMessage, RedressError } from '../errors.ts';
import { QUEUES } from '../jobs/boss.ts';
import type { Logger } from '../log.ts';
import { insertDeadLetter, loadOutbound, markSent, recordAttemptFailed, type OutboundForSend } from './outbox-repo.ts';
import type { Sender } from './sender.ts';

/** Told when a message has been sent, for the send-latency histogram. */
export interface SendObserver {
  messageSent(kind: string, queuedAt: Date, sentAt: Date): void;
}

export interface SendDeps {
  sql: Sql;
  log: Logger;
  clock: Clock;
  sender: Sender;
  lifecycle: CaseDeps;
  observe?: SendObserver;
}

export type SendResult = 'sent' | 'skipped' | 'failed';

/**
 * The send-email job. A temporary failure throws so pg-boss retries with backoff; a
 * permanent one is recorded (dead letter, case history, staff alert) and the job ends.
 * A crash between the SMTP 250 and the commit below resends on retry with the same
 * Message-ID, which receiving clients treat as one message.
 */
export async function sendOutbound(deps: SendDeps, outboundId: bigint, jobId?: string): Promise<SendResult> {
  const m = await loadOutbound(deps.sql, outboundId);
  if (!m || m.status !== 'queued') return 'skipped';
  try {
    await deps.sender.send(m.raw, { from: m.envelope_from, to: m.to_addresses }, m.message_id);
  } catch (err) {
    const retryable = err instanceof RedressError ? err.retryable : true;
    if (retryable) {
      await recordAttemptFailed(deps.sql, m.id, errorMessage(err), false);
      deps.log.warn({ err, outboundId: String(m.id), kind: m.kind }, 'send failed; will retry');
      throw err;
    }
    await failPermanently(deps, m, errorMessage(err), jobId);
    return 'failed';
  }
  const sentAt = deps.clock.now();
  await deps.sql.begin(async (tx) => {
    if ((await markSent(tx, m.id, sentAt)) && m.case_id !== null) {
      await advanceCase(tx, deps.lifecycle, m.case_id, { type: 'message_sent', kind: m.kind }, { eventKey: `out:${m.id}`, actor: 'system' });
    }
  });
  deps.observe?.messageSent(m.kind, m.created_at, sentAt);
  deps.log.info({ outboundId: String(m.id), kind: m.kind, messageId: m.message_id }, 'message sent');
  return 'sent';
}

/** pg-boss gave up retrying (the dead-letter queue), or the server refused for good. */
export async function failPermanently(deps: SendDeps, m: OutboundForSend, error: string, jobId?: string): Promise<void> {
  const now = deps.clock.now();
  await deps.sql.begin(async (tx) => {
    await recordAttemptFailed(tx, m.id, error, true);
    await insertDeadLetter(tx, { outboundId: m.id, queue: QUEUES.send, jobId: jobId ?? null, error, at: now });
    // An alert about a failed alert would loop; the dead letter and the log are its record.
    if (m.case_id !== null && !m.kind.startsWith('staff_')) {
      await advanceCase(tx, deps.lifecycle, m.case_id, { type: 'send_failed', outboundKind: m.kind, error }, { eventKey: `out:${m.id}:failed`, actor: 'system' });
    }
  });
  deps.log.error({ outboundId: String(m.id), kind: m.kind, error }, 'send failed permanently');
}

export async function deadLettered(deps: SendDeps, outboundId: bigint, jobId?: string): Promise<void> {
  const m = await loadOutbound(deps.sql, outboundId);
  if (m && m.status === 'queued') await failPermanently(deps, m, `gave up after ${m.attempts} attempts; last error: ${m.last_error ?? 'unknown'}`, jobId);
}
