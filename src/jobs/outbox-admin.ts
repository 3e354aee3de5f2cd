import { randomUUID } from 'node:crypto';
import libmime from 'libmime';
import { simpleParser } from 'mailparser';
import type PgBoss from 'pg-boss';
import { appendHistory } from '../cases/history-repo.ts';
import type { Clock } from '../clock.ts';
import type { Sql } from '../db/pool.ts';
import { RedressError } from '../errors.ts';
import { enqueueSend } from './boss.ts';
import { outboundSource } from '../outbound/compose.ts';
import type { Logger } from '../log.ts';
import {
  closeDeadLetters,
  deadLettersOf,
  failedOutboundIds,
  findOutbound,
  lockOutboundForRetry,
  requeueOutbound,
  type DeadLetterRow,
  type OutboundDetailRow,
} from '../outbound/outbox-admin-repo.ts';

export interface OutboxAdminDeps {
  sql: Sql;
  boss: PgBoss;
  clock: Clock;
  log: Logger;
}

/** What `redress outbox retry` answers per message (a public JSON shape: add fields, never rename). */
export interface RetryAnswer {
  id: bigint;
  case: string | null;
  kind: string;
  /** `requeued`: a new send job is queued; `unchanged`: nothing was done, `reason` says why. */
  result: 'requeued' | 'unchanged';
  /** The message's status after the call. */
  status: string;
  job_id?: string;
  dead_letters?: bigint[];
  reason?: string;
}

const ACTOR = 'operator (cli)';

/**
 * Re-queues one message that failed for good as a new send job, in the transaction that
 * closes its dead letters and records the retry on the case history. The row lock and the
 * status check make it idempotent: a second call finds the message queued and changes nothing.
 */
export async function retryOutbound(deps: OutboxAdminDeps, id: bigint): Promise<RetryAnswer> {
  const answer = await deps.sql.begin(async (tx): Promise<RetryAnswer> => {
    const m = await lockOutboundForRetry(tx, id);
    if (!m) throw new RedressError('not_found', `no outbound message ${id}; list them with \`redress outbox list\``);
    const about = { id: m.id, case: m.reference, kind: m.kind, status: m.status };
    if (m.status !== 'failed') return { ...about, result: 'unchanged', reason: `it is ${m.status}, not dead: only a message that failed for good is retried` };
    if (!m.has_source) return { ...about, result: 'unchanged', reason: 'its source was purged under the retention period: nothing left to send' };
    const now = deps.clock.now();
    const jobId = randomUUID();
    await requeueOutbound(tx, m.id, jobId);
    const deadLetters = await closeDeadLetters(tx, m.id, now, jobId);
    await enqueueSend(deps.boss, tx, { outboundId: m.id.toString() }, jobId);
    if (m.case_id !== null) {
      await appendHistory(tx, {
        caseId: m.case_id,
        at: now,
        actor: ACTOR,
        event: 'outbound.retried',
        data: { kind: m.kind, job_id: jobId, dead_letters: deadLetters.map(String), previous_error: m.last_error },
        outboundMessageId: m.id,
      });
    }
    return { ...about, status: 'queued', result: 'requeued', job_id: jobId, dead_letters: deadLetters };
  });
  deps.log.info({ outboundId: String(id), result: answer.result, jobId: answer.job_id, case: answer.case }, 'outbox retry');
  return answer;
}

/** Every message that failed for good, each in its own transaction; a second run finds none. */
export async function retryAllDead(deps: OutboxAdminDeps): Promise<RetryAnswer[]> {
  const answers: RetryAnswer[] = [];
  for (const id of await failedOutboundIds(deps.sql)) answers.push(await retryOutbound(deps, id));
  return answers;
}

/** `redress outbox show ID`: the stored message, its headers as sent, and its dead letters. */
export interface OutboundDetail extends Omit<OutboundDetailRow, 'raw' | 'content'> {
  size_bytes: number | null;
  headers: { name: string; value: string }[];
  dead_letters: DeadLetterRow[];
}

export async function outboundDetail(sql: Sql, id: bigint): Promise<{ detail: OutboundDetail; raw: Buffer | null }> {
  const row = await findOutbound(sql, id);
  if (!row) throw new RedressError('not_found', `no outbound message ${id}; list them with \`redress outbox list\``);
  const { raw: sent, content, ...rest } = row;
  const raw = await outboundSource({ raw: sent, content });
  const detail = { ...rest, size_bytes: raw?.length ?? null, headers: raw ? await headersOf(raw) : [], dead_letters: await deadLettersOf(sql, id) };
  return { detail, raw };
}

/** Header lines in order, unfolded, encoded words decoded. */
async function headersOf(raw: Buffer): Promise<{ name: string; value: string }[]> {
  const parsed = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipTextLinks: true, skipImageLinks: true });
  return parsed.headerLines.map(({ line }) => {
    const colon = line.indexOf(':');
    const value = line.slice(colon + 1).replace(/\r?\n[ \t]+/g, ' ').trim();
    return { name: line.slice(0, colon), value: value.includes('=?') ? libmime.decodeWords(value) : value };
  });
}
