import type { App } from './app.ts';
import { createImapSource } from './intake/imap-source.ts';
import { startSmtpSource } from './intake/smtp-source.ts';
import { startJobWorkers } from './jobs/workers.ts';
import { watchJobRunner } from './monitoring/readiness.ts';
import { startMonitorServer } from './monitoring/server.ts';

/** SMTP/LMTP intake runs when asked, or by default when there is no IMAP mailbox to read. */
export function smtpEnabled(app: App): boolean {
  return app.config.SMTP_ENABLED ?? !app.config.IMAP_URL;
}

/** `redress start`: every source until the signal aborts, then a clean stop. */
export async function runWorker(app: App, signal: AbortSignal): Promise<void> {
  const { config, log } = app;
  const jobs = watchJobRunner(app.boss);
  await startJobWorkers(app);
  jobs.started();
  const smtp = smtpEnabled(app)
    ? await startSmtpSource(
        { clock: app.clock, log, process: app.process },
        {
          host: config.SMTP_LISTEN.host,
          port: config.SMTP_LISTEN.port,
          protocol: config.SMTP_PROTOCOL,
          hardMaxBytes: config.MAX_MESSAGE_BYTES * 4,
        },
      )
    : undefined;
  const imapSource = config.IMAP_URL
    ? createImapSource(
        { sql: app.db.sql, log, process: app.process },
        {
          url: config.IMAP_URL,
          processedFolder: config.IMAP_PROCESSED_FOLDER,
          pollSeconds: config.IMAP_POLL_SECONDS,
          batchSize: config.IMAP_BATCH_SIZE,
          tlsVerify: config.IMAP_TLS_VERIFY,
          concurrency: config.IMAP_CONCURRENCY,
        },
      )
    : undefined;
  const imap = imapSource?.run(signal);
  const monitor = config.METRICS_LISTEN
    ? await startMonitorServer(
        { sql: app.db.sql, log, now: () => app.clock.now(), pipeline: app.metrics, readiness: { sql: app.db.sql, boss: app.boss, jobs, imap: imapSource } },
        config.METRICS_LISTEN.host,
        config.METRICS_LISTEN.port,
      )
    : undefined;
  log.info({ imap: Boolean(config.IMAP_URL), smtp: smtp ? `${config.SMTP_LISTEN.host}:${smtp.port}` : false }, 'worker started');
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
  log.info('stopping: finishing the message in hand');
  await Promise.all([imap, smtp?.close(), monitor?.close()]);
  log.info('worker stopped');
}
