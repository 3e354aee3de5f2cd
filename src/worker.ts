import fs from 'node:fs/promises';
import path from 'node:path';
import { mailDomain, type App } from './app.ts';
import { systemStopwatch } from './clock.ts';
import type { Config } from './config.ts';
import { watchDatabase } from './db/outage.ts';
import { errorMessage, RedressError } from './errors.ts';
import { createImapSource } from './intake/imap-source.ts';
import { startSmtpSource, type SmtpSourceOptions } from './intake/smtp-source.ts';
import { startJobWorkers } from './jobs/workers.ts';
import { watchJobRunner } from './monitoring/readiness.ts';
import { startMonitorServer } from './monitoring/server.ts';

/** SMTP/LMTP intake runs when asked, or by default when there is no IMAP mailbox to read. */
export function smtpEnabled(app: App): boolean {
  return app.config.SMTP_ENABLED ?? !app.config.IMAP_URL;
}

/** The SMTP/LMTP listener as configured: limits, optional AUTH and STARTTLS, and who verifies senders. */
export async function smtpSourceOptions(config: Config): Promise<SmtpSourceOptions> {
  const tls = config.SMTP_LISTEN_TLS_CERT && config.SMTP_LISTEN_TLS_KEY
    ? { cert: await readConfigFile('SMTP_LISTEN_TLS_CERT', config.SMTP_LISTEN_TLS_CERT), key: await readConfigFile('SMTP_LISTEN_TLS_KEY', config.SMTP_LISTEN_TLS_KEY) }
    : undefined;
  return {
    host: config.SMTP_LISTEN.host,
    port: config.SMTP_LISTEN.port,
    protocol: config.SMTP_PROTOCOL,
    hardMaxBytes: config.MAX_MESSAGE_BYTES * 4,
    groupCommitMax: config.IMAP_BATCH_SIZE,
    maxClients: config.SMTP_LISTEN_MAX_CLIENTS,
    connectionsPerMinute: config.SMTP_LISTEN_CONNECTIONS_PER_MINUTE,
    ...(config.SMTP_LISTEN_USERS ? { users: config.SMTP_LISTEN_USERS } : {}),
    ...(tls ? { tls } : {}),
    spoolDir: path.join(config.REDRESS_DATA_DIR, 'spool'),
    spoolThresholdBytes: config.SMTP_SPOOL_THRESHOLD_BYTES,
    // With an MTA in front (AUTHSERV_ID) its results are trusted; without one, Redress is the receiving server and verifies.
    ...(config.AUTHSERV_ID ? {} : { verifySenders: { mta: mailDomain(config), timeoutMs: config.SENDER_AUTH_TIMEOUT_SECONDS * 1000 } }),
  };
}

async function readConfigFile(variable: string, file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    throw new RedressError('config', `${variable}: cannot read ${file} (${errorMessage(err)})`, { cause: err });
  }
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
  const jobs = watchJobRunner(app.boss);
  const workers = await startJobWorkers(app);
  jobs.started();
  const database = watchDatabase(app.db.sql, { stopwatch: systemStopwatch, log }, {
    intervalMs: DATABASE_CHECK_MS,
    maxOutageMs: config.DB_OUTAGE_MAX_SECONDS * 1000,
    onRecovered: () => void workers.reconnected(),
    onGiveUp: (reason) => {
      log.fatal(reason);
      fatal = new RedressError('db', reason, { retryable: true });
      stop.abort();
    },
  });
  const running: Promise<unknown>[] = [];
  try {
    const smtp = smtpEnabled(app) ? await startSmtpSource({ clock: app.clock, log, process: app.process, processMany: app.processMany }, await smtpSourceOptions(config)) : undefined;
    if (smtp) running.push(stopped(stop.signal).then(() => smtp.close()));
    const imapSource = config.IMAP_URL
      ? createImapSource(
          { sql: app.db.sql, log, process: app.process, batch: app.batch },
          {
            url: config.IMAP_URL,
            processedFolder: config.IMAP_PROCESSED_FOLDER,
            pollSeconds: config.IMAP_POLL_SECONDS,
            batchSize: config.IMAP_BATCH_SIZE,
            tlsVerify: config.IMAP_TLS_VERIFY,
            concurrency: config.IMAP_CONCURRENCY,
            oauth2: app.imapTokens,
          },
        )
      : undefined;
    if (imapSource) running.push(imapSource.run(stop.signal));
    const monitor = config.METRICS_LISTEN
      ? await startMonitorServer(
          { sql: app.db.sql, log, now: () => app.clock.now(), pipeline: app.metrics, readiness: { sql: app.db.sql, boss: app.boss, jobs, imap: imapSource } },
          config.METRICS_LISTEN.host,
          config.METRICS_LISTEN.port,
        )
      : undefined;
    if (monitor) running.push(stopped(stop.signal).then(() => monitor.close()));
    log.info({ imap: Boolean(config.IMAP_URL), smtp: smtp ? `${config.SMTP_LISTEN.host}:${smtp.port}` : false }, 'worker started');
    await stopped(stop.signal);
  } finally {
    stop.abort();
    log.info('stopping: no new work; finishing the message in hand and the sends in flight');
    await Promise.all([...running, workers.stop(SEND_GRACE_MS)]);
    database.stop();
    log.info('worker stopped');
  }
  if (fatal) throw fatal;
}

function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
