import { actOnCases, advanceCase, type CaseDeps } from '../cases/advance.ts';
import { advance } from '../cases/apply.ts';
import type { Clock } from '../clock.ts';
import type { Sql } from '../db/pool.ts';
import { whileDatabaseDown, type OutageBudget } from '../db/retry.ts';
import { groupCommit } from '../db/group-commit.ts';
import { errorMessage, isRetryable, RedressError } from '../errors.ts';
import { QUEUES } from './boss.ts';
import type { Logger } from '../log.ts';
import { insertDeadLetter, loadOutbound, loadOutbounds, markSent, recordAttemptFailed, type OutboundForSend } from '../outbound/outbox-repo.ts';
import { outboundSource } from '../outbound/compose.ts';
import type { FailureScope, Sender } from '../outbound/sender.ts';

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
  /** How long recording a message the relay took may wait for the database. */
  outage: OutageBudget;
  observe?: SendObserver;
  /** How a send reads its message and records it sent; one at a time unless the send loop shares transactions. */
  store?: SendStore;
}

/** A message the relay took, to be recorded. */
export interface SentRecord {
  m: OutboundForSend;
  raw: Buffer;
  sentAt: Date;
}

export interface SendStore {
  load(id: bigint): Promise<OutboundForSend | undefined>;
  recordSent(sent: SentRecord): Promise<void>;
}

export type SendOutcome =
  | { status: 'sent' | 'skipped' | 'failed' }
  /** Temporary: `attempts` counts this one. */
  | { status: 'retry'; scope: FailureScope; attempts: number; error: RedressError };

/**
 * The send-email job. A permanent failure is recorded (dead letter, case history, staff
 * alert) and the job ends; a temporary one is recorded and returned for the caller to
 * route (pg-boss retry, or back to the queue). A database error before the send throws.
 * Once the relay has taken the message, recording it waits out a database outage, so a
 * send is not repeated for want of its record; a crash in between resends on retry with
 * the same Message-ID, which receiving clients treat as one message.
 */
export async function sendOutbound(deps: SendDeps, outboundId: bigint, opts: { jobId?: string; signal?: AbortSignal; relayDone?: () => void } = {}): Promise<SendOutcome> {
  const store = deps.store ?? oneAtATime(deps);
  const m = await store.load(outboundId);
  if (!m || m.status !== 'queued') return { status: 'skipped' };
  let raw: Buffer;
  try {
    raw = await sourceToSend(m);
    await deps.sender.send(raw, { from: m.envelope_from, to: m.to_addresses }, m.message_id, { signal: opts.signal });
  } catch (err) {
    opts.relayDone?.();
    const failure = err instanceof RedressError ? err : new RedressError('send_failed', errorMessage(err), { retryable: true, cause: err, context: { scope: 'relay' } });
    if (!failure.retryable) {
      await failPermanently(deps, m, failure.message, opts.jobId);
      return { status: 'failed' };
    }
    await recordAttemptFailed(deps.sql, m.id, failure.message, false);
    const scope = (failure.context.scope as FailureScope | undefined) ?? 'relay';
    deps.log.warn({ err: failure.message, outboundId: String(m.id), kind: m.kind, scope }, 'send failed; will retry');
    return { status: 'retry', scope, attempts: m.attempts + 1, error: failure };
  }
  opts.relayDone?.();
  const sentAt = deps.clock.now();
  await whileDatabaseDown(() => store.recordSent({ m, raw, sentAt }), deps.outage, deps.log, `recording ${m.message_id} as sent`);
  deps.observe?.messageSent(m.kind, m.created_at, sentAt);
  deps.log.info({ outboundId: String(m.id), kind: m.kind, messageId: m.message_id }, 'message sent');
  return { status: 'sent' };
}

/** Composed now: intake stores what a message says, the send the bytes (deterministic, so a retry sends the same). */
async function sourceToSend(m: OutboundForSend): Promise<Buffer> {
  const raw = await outboundSource(m);
  if (!raw) throw new RedressError('send_failed', 'the message has neither content nor source (purged under the retention period)', { retryable: false });
  return raw;
}

function oneAtATime(deps: SendDeps): SendStore {
  return { load: (id) => loadOutbound(deps.sql, id), recordSent: (sent) => recordSentMany(deps, [sent]) };
}

/**
 * For sends in flight side by side: while one read or record is in the database, those
 * that arrive wait and go together next, so N sends share one round of statements instead
 * of making N. A record that fails for another reason than the database is retried alone,
 * so one bad case never holds up the others' records.
 */
export function sharedSendStore(deps: SendDeps, maxBatch: number): SendStore {
  const load = groupCommit(async (ids: readonly bigint[]) => {
    const byId = new Map((await loadOutbounds(deps.sql, ids)).map((m) => [m.id, m]));
    return ids.map((id) => byId.get(id));
  }, maxBatch);
  const record = groupCommit(async (sent: readonly SentRecord[]): Promise<unknown[]> => {
    try {
      await recordSentMany(deps, sent);
      return sent.map(() => undefined);
    } catch (err) {
      if (sent.length === 1 || isRetryable(err)) throw err;
      const alone: unknown[] = [];
      for (const s of sent) alone.push(await recordSentMany(deps, [s]).then(() => undefined, (e: unknown) => e));
      return alone;
    }
  }, maxBatch);
  return {
    load,
    async recordSent(sent) {
      const err = await record(sent);
      if (err !== undefined) throw err;
    },
  };
}

/** Messages the relay took, in one transaction: marked sent (bytes kept), and each one's case told, in the order given. */
export async function recordSentMany(deps: Pick<SendDeps, 'sql' | 'lifecycle'>, sent: readonly SentRecord[]): Promise<void> {
  await deps.sql.begin(async (tx) => {
    const marked = await markSent(tx, sent.map((s) => ({ id: s.m.id, at: s.sentAt, raw: s.raw })));
    const told = sent.filter((s) => marked.has(s.m.id) && s.m.case_id !== null);
    if (told.length === 0) return;
    await actOnCases(tx, deps.lifecycle, told.map((s) => s.m.case_id!), (world, domain) => {
      for (const s of told) advance(world, domain, s.m.case_id!, { type: 'message_sent', kind: s.m.kind }, { eventKey: `out:${s.m.id}`, actor: 'system' });
    });
  });
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
