import type PgBoss from 'pg-boss';
import { pause } from '../clock.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface QueuePoller {
  /** Stops fetching; resolves once the job in hand (told to stop through its signal) is settled. */
  stop(): Promise<void>;
}

/**
 * Works a pg-boss queue one job at a time, awaiting every state change. pg-boss's own
 * work() completes and fails jobs without awaiting them, so a database outage while a job
 * ran became an unhandled rejection and ended the worker.
 */
export function pollQueue(
  boss: PgBoss,
  queue: string,
  handle: (job: PgBoss.Job<unknown>, signal: AbortSignal) => Promise<void>,
  opts: { pollMs: number; log: Logger },
): QueuePoller {
  const stopping = new AbortController();
  const log = opts.log.child({ component: 'queue', queue });
  const done = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const [job] = await boss.fetch<unknown>(queue, { batchSize: 1 });
        if (!job) {
          await pause(opts.pollMs, stopping.signal);
          continue;
        }
        await handle(job, stopping.signal).then(
          () => boss.complete(queue, job.id),
          (err: unknown) => {
            log.error({ err: errorMessage(err), jobId: job.id }, 'job failed; pg-boss will retry it if its queue allows');
            return boss.fail(queue, job.id, { message: errorMessage(err) });
          },
        );
      } catch (err) {
        log.warn({ err: errorMessage(err) }, 'could not fetch or settle a job; trying again after the poll interval');
        await pause(opts.pollMs, stopping.signal);
      }
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      await done;
    },
  };
}
