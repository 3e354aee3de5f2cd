import fs from 'node:fs/promises';
import path from 'node:path';
import { mailDomain, type App } from './app.ts';
import type { Config } from './config.ts';
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

/** `redress start`: every source until the signal aborts, then a clean stop. */
export async function runWorker(app: App, signal: AbortSignal): Promise<void> {
  const { config, log } = app;
  const jobs = watchJobRunner(app.boss);
  await startJobWorkers(app);
  jobs.started();
  const smtp = smtpEnabled(app) ? await startSmtpSource({ clock: app.clock, log, process: app.process }, await smtpSourceOptions(config)) : undefined;
  const imapSource = config.IMAP_URL
    ? createImapSource(
        { sql: app.db.sql, log, process: app.process, processBatch: app.processBatch },
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
