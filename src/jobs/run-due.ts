import type PgBoss from 'pg-boss';
import { advanceCase, type CaseDeps } from '../cases/advance.ts';
import { dueDeadlines } from '../cases/deadlines-repo.ts';
import type { Sql } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { deadLettered, sendOutbound, type SendDeps } from './send-job.ts';
import { ACTIONABLE_DEADLINES, type DeadlineKind } from '../policy/deadlines.ts';
import { sendDigestIfDue, type DigestDeps } from './digest-job.ts';
import { retryRoute } from '../outbound/relay-circuit.ts';
import { outboundIdOf, QUEUES, releaseJobs } from './boss.ts';

export interface RunDueDeps {
  sql: Sql;
  log: Logger;
  boss: PgBoss;
  lifecycle: CaseDeps;
  send: SendDeps;
  digest: DigestDeps;
}

export interface RunDueStats {
  deadlines: number;
  digest: boolean;
  sent: number;
  failed: number;
  retrying: number;
}

const BATCH = 200;
/** Send jobs held at once by run-due, which sends one at a time. */
const SEND_BATCH = 50;

/**
 * `redress run-due`: everything due as of the clock's now (timers, the digest, queued
 * sends), then return. The worker calls the same on every tick.
 */
export async function runDue(deps: RunDueDeps): Promise<RunDueStats> {
  const now = deps.lifecycle.clock.now();
  const deadlines = await fireDueDeadlines(deps, now);
  const digest = await sendDigestIfDue(deps.digest, now);
  const sends = await drainSendQueue(deps);
  return { deadlines, digest, ...sends };
}

/** Each due deadline in its own transaction, re-checked under lock so two workers never both act. */
export async function fireDueDeadlines(deps: Pick<RunDueDeps, 'sql' | 'lifecycle' | 'log'>, now: Date, signal?: AbortSignal): Promise<number> {
  let fired = 0;
  for (;;) {
    const due = await dueDeadlines(deps.sql, ACTIONABLE_DEADLINES, now, BATCH);
    if (due.length === 0) return fired;
    for (const d of due) {
      // Stopping: what is fired stays fired; the rest waits for the next tick.
      if (signal?.aborted) return fired;
      const acted = await deps.sql.begin(async (tx) => {
        // Case row first, then the deadline: the same lock order as advanceCase, so two workers never deadlock.
        await tx`select 1 from cases where id = ${d.caseId} for update`;
        const [row] = await tx<[{ status: string }?]>`select status from deadlines where id = ${d.id}`;
        if (row?.status !== 'pending') return false;
        await advanceCase(tx, deps.lifecycle, d.caseId, { type: 'deadline_due', kind: d.kind as DeadlineKind }, { eventKey: `deadline:${d.id}`, actor: 'system' });
        return true;
      });
      if (acted) fired += 1;
    }
  }
}

/**
 * Sends every queued job that is ready now; failures pg-boss will retry later stay queued.
 * When the relay itself fails, the drain stops and hands the rest back: no retries spent.
 */
export async function drainSendQueue(deps: Pick<RunDueDeps, 'boss' | 'send' | 'log'>): Promise<{ sent: number; failed: number; retrying: number }> {
  const stats = { sent: 0, failed: 0, retrying: 0 };
  await drainDeadLetters(deps);
  for (let relayDown = false; !relayDown; ) {
    const jobs = await deps.boss.fetch<unknown>(QUEUES.send, { batchSize: SEND_BATCH });
    if (jobs.length === 0) break;
    for (const [i, job] of jobs.entries()) {
      const outcome = await sendOutbound(deps.send, outboundIdOf(job), { jobId: job.id });
      if (outcome.status !== 'retry') {
        await deps.boss.complete(QUEUES.send, job.id);
        if (outcome.status === 'sent') stats.sent += 1;
        if (outcome.status === 'failed') stats.failed += 1;
        continue;
      }
      stats.retrying += 1;
      if (retryRoute(outcome.scope, outcome.attempts) === 'retry') {
        await deps.boss.fail(QUEUES.send, job.id, { message: outcome.error.message });
        continue;
      }
      const rest = jobs.slice(i).map((j) => j.id);
      await releaseJobs(deps.send.sql, QUEUES.send, rest);
      stats.retrying += rest.length - 1;
      deps.log.warn({ handedBack: rest.length }, 'the relay did not answer; the remaining sends stay queued');
      relayDown = true;
      break;
    }
  }
  await drainDeadLetters(deps);
  return stats;
}

async function drainDeadLetters(deps: Pick<RunDueDeps, 'boss' | 'send'>): Promise<void> {
  for (;;) {
    const jobs = await deps.boss.fetch<unknown>(QUEUES.sendDead, { batchSize: 50 });
    if (jobs.length === 0) return;
    for (const job of jobs) {
      await deadLettered(deps.send, outboundIdOf(job), job.id);
      await deps.boss.complete(QUEUES.sendDead, job.id);
    }
  }
}
