import type PgBoss from 'pg-boss';
import { pause, type Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import type { Sql } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { deadLettered, type SendDeps } from './send-job.ts';
import { sendDigestIfDue, type DigestDeps } from './digest-job.ts';
import { outboundIdOf, QUEUES } from './boss.ts';
import { pollQueue } from './poll-queue.ts';
import { fireDueDeadlines, type RunDueDeps } from './run-due.ts';
import { startSendLoop, type SendLoop } from './send-loop.ts';
import { listenForSends } from './send-wakeup.ts';

export interface JobWorkers {
  sends: SendLoop;
  /** The database answered again after an outage. */
  reconnected(): Promise<void>;
  /** Stops taking work at once; sends in flight get `graceMs`, and everything ends within about `graceMs` + 2 s. */
  stop(graceMs: number): Promise<void>;
}

/**
 * `redress start`'s background work on pg-boss: the send loop (woken by NOTIFY as send
 * jobs commit), the send queue's dead letters, and a once-a-minute tick (a pg-boss cron,
 * so one worker of many runs it) that fires due deadlines and the digest.
 */
/** What the job runner is given by the composition root. */
export interface JobWorkersDeps {
  boss: PgBoss;
  log: Logger;
  clock: Clock;
  config: Pick<Config, 'SEND_POLL_SECONDS' | 'SEND_BATCH_SIZE' | 'SMTP_MAX_CONNECTIONS' | 'SEND_EXPIRE_SECONDS' | 'BUSINESS_TIMEZONE'>;
  db: { sql: Sql };
  send: SendDeps;
  runDue: RunDueDeps;
  digest: DigestDeps;
}

export async function startJobWorkers(app: JobWorkersDeps): Promise<JobWorkers> {
  const { boss, log, config } = app;
  const pollMs = config.SEND_POLL_SECONDS * 1000;
  const sends = startSendLoop(
    { boss, send: app.send, log },
    { batchSize: config.SEND_BATCH_SIZE, concurrency: config.SMTP_MAX_CONNECTIONS, pollMs, holdMs: (config.SEND_EXPIRE_SECONDS * 1000) / 2 },
  );
  const wakeup = await listenForSends(app.db.sql, () => sends.wake(), log);
  const dead = pollQueue(boss, QUEUES.sendDead, (job) => deadLettered(app.send, outboundIdOf(job), job.id), { pollMs, log });
  const tick = pollQueue(
    boss,
    QUEUES.tick,
    async (_job, signal) => {
      const now = app.clock.now();
      const fired = await fireDueDeadlines(app.runDue, now, signal);
      const digest = signal.aborted ? false : await sendDigestIfDue(app.digest, now);
      if (fired > 0 || digest) log.info({ fired, digest }, 'tick');
    },
    { pollMs, log },
  );
  await boss.schedule(QUEUES.tick, '* * * * *', {}, { tz: config.BUSINESS_TIMEZONE });
  return {
    sends,
    reconnected: () => wakeup.resubscribe(),
    async stop(graceMs) {
      const rest = Promise.all([dead.stop(), tick.stop(), wakeup.close()]);
      await Promise.all([sends.stop(graceMs), Promise.race([rest, pause(graceMs)])]);
    },
  };
}
