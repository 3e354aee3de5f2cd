import type PgBoss from 'pg-boss';
import { advanceCase, type CaseDeps } from '../cases/advance.ts';
import { dueDeadlines } from '../cases/deadlines-repo.ts';
import type { Sql } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { deadLettered, sendOutbound, type SendDeps } from '../outbound/send-job.ts';
import { ACTIONABLE_DEADLINES, type DeadlineKind } from '../policy/deadlines.ts';
import { sendDigestIfDue, type DigestDeps } from './digest-job.ts';
import { QUEUES, sendJobSchema } from './boss.ts';

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
export async function fireDueDeadlines(deps: Pick<RunDueDeps, 'sql' | 'lifecycle' | 'log'>, now: Date): Promise<number> {
  let fired = 0;
  for (;;) {
    const due = await dueDeadlines(deps.sql, ACTIONABLE_DEADLINES, now, BATCH);
    if (due.length === 0) return fired;
    for (const d of due) {
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

/** Sends every queued job that is ready now; failures pg-boss will retry later stay queued. */
export async function drainSendQueue(deps: Pick<RunDueDeps, 'boss' | 'send' | 'log'>): Promise<{ sent: number; failed: number; retrying: number }> {
  const stats = { sent: 0, failed: 0, retrying: 0 };
  await drainDeadLetters(deps);
  for (;;) {
    const jobs = await deps.boss.fetch<unknown>(QUEUES.send, { batchSize: 50 });
    if (jobs.length === 0) break;
    for (const job of jobs) {
      try {
        const result = await sendOutbound(deps.send, BigInt(sendJobSchema.parse(job.data).outboundId), job.id);
        await deps.boss.complete(QUEUES.send, job.id);
        if (result === 'sent') stats.sent += 1;
        if (result === 'failed') stats.failed += 1;
      } catch (err) {
        stats.retrying += 1;
        await deps.boss.fail(QUEUES.send, job.id, { message: err instanceof Error ? err.message : String(err) });
      }
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
      await deadLettered(deps.send, BigInt(sendJobSchema.parse(job.data).outboundId), job.id);
      await deps.boss.complete(QUEUES.sendDead, job.id);
    }
  }
}
