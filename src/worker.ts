import type { App } from './app.ts';
import { systemStopwatch } from './clock.ts';
import { watchDatabase } from './db/outage.ts';
import { RedressError } from './errors.ts';
import { createImapSource } from './intake/imap-source.ts';
import { startSmtpSource } from './intake/smtp-source.ts';
import { startJobWorkers } from './jobs/workers.ts';
import { startMetricsServer } from './metrics.ts';

/** SMTP/LMTP intake runs when asked, or by default when there is no IMAP mailbox to read. */
export function smtpEnabled(app: App): boolean {
  return app.config.SMTP_ENABLED ?? !app.config.IMAP_URL;
}

/** Sends in flight get this long to finish on SIGTERM; with what follows, the worker is gone well within 10 s. */
const SEND_GRACE_MS = 3_000;
const DATABASE_CHECK_MS = 2_000;

/**
 * `redress start`: every source until the signal aborts, then a clean stop. A database
 * outage longer than DB_OUTAGE_MAX_SECONDS stops it too, and it then throws why.
 */
export async function runWorker(app: App, signal: AbortSignal): Promise<void> {
  const { config, log } = app;
  const stop = new AbortController();
  signal.addEventListener('abort', () => stop.abort(), { once: true });
  if (signal.aborted) stop.abort();
  let fatal: RedressError | undefined;
  const jobs = await startJobWorkers(app);
  const database = watchDatabase(app.db.sql, { stopwatch: systemStopwatch, log }, {
    intervalMs: DATABASE_CHECK_MS,
    maxOutageMs: config.DB_OUTAGE_MAX_SECONDS * 1000,
    onRecovered: () => void jobs.reconnected(),
    onGiveUp: (reason) => {
      log.fatal(reason);
      fatal = new RedressError('db', reason, { retryable: true });
      stop.abort();
    },
  });
  const sources: Promise<unknown>[] = [];
  try {
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
    if (smtp) sources.push(stopped(stop.signal).then(() => smtp.close()));
    if (config.IMAP_URL) {
      const imap = createImapSource(
        { sql: app.db.sql, log, process: app.process },
        {
          url: config.IMAP_URL,
          processedFolder: config.IMAP_PROCESSED_FOLDER,
          pollSeconds: config.IMAP_POLL_SECONDS,
          batchSize: config.IMAP_BATCH_SIZE,
          tlsVerify: config.IMAP_TLS_VERIFY,
          concurrency: config.IMAP_CONCURRENCY,
        },
      );
      sources.push(imap.run(stop.signal));
    }
    const metrics = config.METRICS_LISTEN
      ? await startMetricsServer({ sql: app.db.sql, log, now: () => app.clock.now() }, config.METRICS_LISTEN.host, config.METRICS_LISTEN.port)
      : undefined;
    if (metrics) sources.push(stopped(stop.signal).then(() => metrics.close()));
    log.info({ imap: Boolean(config.IMAP_URL), smtp: smtp ? `${config.SMTP_LISTEN.host}:${smtp.port}` : false }, 'worker started');
    await stopped(stop.signal);
  } finally {
    stop.abort();
    log.info('stopping: no new work; finishing the message in hand and the sends in flight');
    await Promise.all([...sources, jobs.stop(SEND_GRACE_MS)]);
    database.stop();
    log.info('worker stopped');
  }
  if (fatal) throw fatal;
}

function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
