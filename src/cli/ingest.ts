import fs from 'node:fs/promises';
import type { Command } from 'commander';
import type { App } from '../app.ts';
import type { Config } from '../config.ts';
import { RedressError } from '../errors.ts';
import { createImapSource } from '../intake/imap-source.ts';
import type { IntakeInput } from '../intake/types.ts';
import { createLogger } from '../log.ts';
import { fileProgress, type FileProgress } from './progress.ts';
import { toJson } from '../output.ts';
import { withApp } from './with-app.ts';

export function ingestCommand(program: Command, config: () => Config): void {
  program
    .command('ingest')
    .description('drain the IMAP mailbox once (--once), or ingest raw .eml files')
    .argument('[files...]', 'raw RFC 5322 message files')
    .option('--once', 'drain IMAP_URL once and exit (for cron deployments)')
    .option('--received-at <iso>', 'receipt time for the files (default: each file\'s modification time)')
    .option('--json', 'print machine-readable results')
    .action(async (files: string[], opts: { once?: boolean; receivedAt?: string; json?: boolean }) => {
      if (!opts.once && files.length === 0) throw new RedressError('invalid_input', 'give --once to drain the IMAP mailbox, or one or more .eml files');
      const receivedAt = opts.receivedAt === undefined ? undefined : parseInstant(opts.receivedAt);
      const cfg = config();
      const progress = files.length > 0 ? fileProgress(files.length, 'ingest') : undefined;
      try {
        // While the bar is up, log lines go above it rather than through it.
        const log = progress?.logSink && createLogger(cfg.LOG_LEVEL, cfg.LOG_FORMAT, progress.logSink);
        await withApp(
          () => cfg,
          async (app) => {
            if (opts.once) await drainOnce(app, opts.json);
            if (progress) await ingestFiles(app, files, { receivedAt, json: opts.json, progress });
          },
          { log },
        );
      } finally {
        progress?.done();
      }
    });
}

async function drainOnce(app: App, json?: boolean): Promise<void> {
  const { config } = app;
  if (!config.IMAP_URL) throw new RedressError('config', 'ingest --once reads the IMAP mailbox: set IMAP_URL (imap://user:pass@host:port/INBOX)');
  const stats = await createImapSource(
    { sql: app.db.sql, log: app.log, process: app.process, batch: app.batch },
    { url: config.IMAP_URL, processedFolder: config.IMAP_PROCESSED_FOLDER, pollSeconds: config.IMAP_POLL_SECONDS, batchSize: config.IMAP_BATCH_SIZE, tlsVerify: config.IMAP_TLS_VERIFY, concurrency: config.IMAP_CONCURRENCY, oauth2: app.imapTokens },
  ).drainOnce();
  process.stdout.write(json ? `${toJson(stats)}\n` : `fetched ${stats.fetched}, stored ${stats.stored}, duplicates ${stats.duplicates}, moved ${stats.moved}\n`);
}

/** Most bytes read into one transaction: a chunk of large files is not held in memory all at once. */
const CHUNK_BYTES = 64 * 1024 * 1024;

/** Files in chunks of IMAP_BATCH_SIZE, each chunk one transaction (a poison file is then taken alone), in the order given. */
async function ingestFiles(app: App, files: string[], opts: { receivedAt?: Date; json?: boolean; progress: FileProgress }): Promise<void> {
  const { receivedAt, json, progress } = opts;
  const results = [];
  for (let i = 0; i < files.length; ) {
    const chunk: IntakeInput[] = [];
    let bytes = 0;
    for (; i < files.length && chunk.length < app.config.IMAP_BATCH_SIZE && (chunk.length === 0 || bytes < CHUNK_BYTES); i += 1) {
      const file = files[i]!;
      const [raw, stat] = await Promise.all([fs.readFile(file), fs.stat(file)]);
      bytes += raw.length;
      chunk.push({ raw, receivedAt: receivedAt ?? stat.mtime, source: 'file', sourceRef: file });
    }
    const outcomes = await app.processMany(chunk);
    for (const [j, outcome] of outcomes.entries()) {
      const file = chunk[j]!.sourceRef!;
      results.push({ file, ...outcome });
      progress.advance();
      if (!json) progress.print(`${file}: ${outcome.status} ${outcome.kind}${outcome.caseReference ? ` ${outcome.caseReference}` : ''}${outcome.caseOpened ? ' (new case)' : ''}\n`);
    }
  }
  if (json) process.stdout.write(`${toJson(results)}\n`);
}

function parseInstant(s: string): Date {
  const d = new Date(s);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(s) || Number.isNaN(d.getTime())) {
    throw new RedressError('invalid_input', `--received-at must be an ISO 8601 instant such as 2026-11-25T09:30:00Z, got ${JSON.stringify(s)}`);
  }
  return d;
}
