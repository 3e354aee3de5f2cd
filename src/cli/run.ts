import type { Command } from 'commander';
import { openApp } from '../app.ts';
import type { Config } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { createLogger, type Logger } from '../log.ts';
import { runWorker } from '../worker.ts';
import { errorMessage, isRetryable, RedressError } from '../errors.ts';
import { runDue } from '../jobs/run-due.ts';
import { renderMessage } from '../outbound/render.ts';
import { loadTemplates } from '../outbound/templates.ts';
import { buildDigest } from '../jobs/digest-job.ts';
import { collectCounts } from '../monitoring/counts.ts';
import { createDatabaseGauges } from '../monitoring/metrics.ts';
import { toJson } from '../output.ts';
import { withApp } from './with-app.ts';

export function migrateCommand(program: Command, config: () => Config): void {
  program
    .command('migrate')
    .description('apply pending database migrations (forward-only) and exit')
    .action(async () => {
      const cfg = config();
      const log = createLogger(cfg.LOG_LEVEL, cfg.LOG_FORMAT);
      const db = await openDatabase(cfg, log);
      try {
        const applied = await migrate(db.sql, log);
        process.stdout.write(`${toJson({ applied })}\n`);
      } finally {
        await db.close();
      }
    });
}

/** SIGTERM to exit: the worker's own stop takes a few seconds; past this something hung. */
const SHUTDOWN_DEADLINE_MS = 9_500;

export function startCommand(program: Command, config: () => Config): void {
  program
    .command('start')
    .description('run the worker (IMAP and/or SMTP intake) until SIGTERM or SIGINT, then stop cleanly')
    .action(async () => {
      const app = await openApp(config(), { worker: true });
      const stop = new AbortController();
      const onSignal = (sig: string) => {
        app.log.info({ signal: sig }, 'shutdown requested');
        stop.abort();
        setTimeout(() => {
          app.log.fatal({ deadlineMs: SHUTDOWN_DEADLINE_MS }, 'the worker did not stop in time; exiting anyway (unfinished sends come back when their jobs expire)');
          process.exit(1);
        }, SHUTDOWN_DEADLINE_MS).unref();
      };
      process.once('SIGTERM', onSignal);
      process.once('SIGINT', onSignal);
      const unguard = guardProcess(app.log, () => stop.signal.aborted);
      try {
        await runWorker(app, stop.signal);
      } finally {
        stop.abort();
        await app.close();
        unguard();
      }
    });
}

/**
 * What escapes the worker's own code. pg-boss completes its cron's jobs without awaiting
 * them, so a database outage can surface as an unhandled rejection: logged, and the
 * database watch decides when an outage is too long. Once stopping, no stray error (a
 * socket closing under its handler) turns a clean stop into exit 1. Anything else still
 * ends the process, as Node would.
 */
function guardProcess(log: Logger, stopping: () => boolean): () => void {
  const onRejection = (reason: unknown) => {
    if (!stopping() && !isRetryable(reason)) throw reason;
    log.warn({ err: errorMessage(reason) }, stopping() ? 'error while stopping; ignored' : 'a database error escaped a library; carrying on');
  };
  const onException = (err: Error) => {
    if (!stopping()) {
      log.fatal({ err }, 'uncaught exception');
      process.exit(1);
    }
    log.warn({ err: errorMessage(err) }, 'error while stopping; ignored');
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}

export function runDueCommand(program: Command, config: () => Config): void {
  program
    .command('run-due')
    .description('do everything due as of now (REDRESS_NOW pins it): deadlines, the digest, queued sends; then exit')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const stats = await withApp(config, (app) => runDue(app.runDue));
      process.stdout.write(opts.json ? `${toJson(stats)}\n` : `deadlines fired ${stats.deadlines}, digest ${stats.digest ? 'queued' : 'not due'}, sent ${stats.sent}, failed ${stats.failed}, retrying ${stats.retrying}\n`);
    });
}

export function digestCommand(program: Command, config: () => Config): void {
  program
    .command('digest')
    .description('the staff digest as of now')
    .option('--preview', 'print it instead of sending it')
    .option('--json', 'print the digest data as JSON')
    .action(async (opts: { preview?: boolean; json?: boolean }) => {
      if (!opts.preview && !opts.json) throw new RedressError('invalid_input', 'use --preview to print the digest (the worker and run-due send it at DIGEST_TIME)');
      const digest = await withApp(config, (app) => buildDigest(app.digest, app.clock.now()));
      process.stdout.write(opts.json ? `${toJson(digest)}\n` : `${renderMessage(loadTemplates(), 'staff_digest', digest).text}\n`);
    });
}

export function statsCommand(program: Command, config: () => Config): void {
  program
    .command('stats')
    .description('counts for monitoring: messages by kind, cases by status, sends, overdue deadlines, dead letters (and, as text, the send queue)')
    .option('--json', 'print JSON (default: Prometheus text)')
    .action(async (opts: { json?: boolean }) => {
      const text = await withApp(config, async (app) => {
        if (opts.json) return `${toJson(await collectCounts(app.db.sql, app.clock.now()))}\n`;
        const gauges = createDatabaseGauges();
        await gauges.refresh(app.db.sql, app.clock.now());
        return gauges.registry.metrics();
      });
      process.stdout.write(text);
    });
}
