import PgBoss from 'pg-boss';
import { z } from 'zod';
import type { Db, Sql } from '../db/pool.ts';
import { RedressError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** Queues and their typed payloads. */
export const QUEUES = {
  send: 'send-email',
  sendDead: 'send-email-dead',
  tick: 'tick',
} as const;

export const sendJobSchema = z.object({ outboundId: z.string().regex(/^\d+$/) });
export type SendJob = z.infer<typeof sendJobSchema>;

export interface BossSettings {
  retryLimit: number;
  retryDelaySeconds: number;
  /** Maintenance and cron run in `redress start` only; one-shot commands just enqueue and fetch. */
  worker: boolean;
}

/**
 * pg-boss over the one postgres.js pool (its `db` option): undefined values become null,
 * and job data binds to pg-boss's jsonb parameters as it is.
 */
export function bossDb(sql: Db): PgBoss.Db {
  return {
    executeSql: async (text: string, values: unknown[] = []) => {
      if (values.length === 0 && 'reserve' in sql) {
        // Parameterless scripts (pg-boss's own migrations) may hold several statements.
        const conn = await sql.reserve();
        try {
          return { rows: lastResult(await conn.unsafe(text).simple()) };
        } finally {
          conn.release();
        }
      }
      return { rows: [...(await sql.unsafe(text, values.map(toParam) as never[]))] };
    },
  };
}

function lastResult(result: unknown): unknown[] {
  const rows = result as unknown[];
  return Array.isArray(rows[0]) ? ((rows.at(-1) as unknown[]) ?? []) : [...rows];
}

function toParam(v: unknown): unknown {
  return v === undefined ? null : v;
}

export async function startBoss(sql: Sql, log: Logger, settings: BossSettings): Promise<PgBoss> {
  const boss = new PgBoss({ db: bossDb(sql), schedule: settings.worker, supervise: settings.worker, migrate: true });
  boss.on('error', (err) => log.error({ err, component: 'pg-boss' }, 'pg-boss error'));
  await boss.start();
  await ensureQueue(boss, QUEUES.sendDead, {});
  await ensureQueue(boss, QUEUES.send, {
    retryLimit: settings.retryLimit,
    retryDelay: settings.retryDelaySeconds,
    retryBackoff: true,
    deadLetter: QUEUES.sendDead,
  });
  await ensureQueue(boss, QUEUES.tick, { retryLimit: 0, policy: 'singleton' });
  return boss;
}

async function ensureQueue(boss: PgBoss, name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
  if (await boss.getQueue(name)) await boss.updateQueue(name, { name, ...options });
  else await boss.createQueue(name, { name, ...options });
}

/** Enqueued inside the caller's transaction: a committed state change always has its job, a rolled-back one never. */
export async function enqueueSend(boss: PgBoss, tx: Db, job: SendJob, jobId: string): Promise<string> {
  const id = await boss.send(QUEUES.send, sendJobSchema.parse(job), { db: bossDb(tx), id: jobId });
  if (!id) throw new RedressError('db', `pg-boss refused the ${QUEUES.send} job for outbound ${job.outboundId}: does the queue exist?`);
  return id;
}

/** Many send jobs in one statement, inside the caller's transaction (the intake batch, a case's decision). */
export async function enqueueSends(boss: PgBoss, tx: Db, jobs: readonly { jobId: string; outboundId: bigint }[]): Promise<void> {
  if (jobs.length === 0) return;
  await boss.insert(jobs.map((j) => ({ id: j.jobId, name: QUEUES.send, data: sendJobSchema.parse({ outboundId: j.outboundId.toString() }) })), { db: bossDb(tx) });
}
