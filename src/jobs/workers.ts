import type { App } from '../app.ts';
import { deadLettered, sendOutbound } from '../outbound/send-job.ts';
import { sendDigestIfDue } from './digest-job.ts';
import { QUEUES, sendJobSchema } from './boss.ts';
import { fireDueDeadlines } from './run-due.ts';

/**
 * `redress start`'s background work on pg-boss: the send queue (retried with backoff by
 * pg-boss; a throw means "try again"), its dead-letter queue, and a once-a-minute tick
 * (a pg-boss cron, so one worker of many runs it) that fires due deadlines and the digest.
 */
export async function startJobWorkers(app: App): Promise<void> {
  const { boss, log } = app;
  await boss.work(QUEUES.send, { batchSize: 1 }, async ([job]) => {
    if (!job) return;
    await sendOutbound(app.send, BigInt(sendJobSchema.parse(job.data).outboundId), job.id);
  });
  await boss.work(QUEUES.sendDead, { batchSize: 1 }, async ([job]) => {
    if (!job) return;
    await deadLettered(app.send, BigInt(sendJobSchema.parse(job.data).outboundId), job.id);
  });
  await boss.work(QUEUES.tick, { batchSize: 1 }, async () => {
    const now = app.clock.now();
    const fired = await fireDueDeadlines(app.runDue, now);
    const digest = await sendDigestIfDue(app.digest, now);
    if (fired > 0 || digest) log.info({ fired, digest }, 'tick');
  });
  await boss.schedule(QUEUES.tick, '* * * * *', {}, { tz: app.config.BUSINESS_TIMEZONE });
}
