import type { Command } from 'commander';
import { findCaseByReference } from '../cases/cases-repo.ts';
import type { Config } from '../config.ts';
import { RedressError } from '../errors.ts';
import { listOutbound, OUTBOX_FILTERS, type OutboxFilter, type OutboxRow } from '../outbound/outbox-admin-repo.ts';
import { outboundDetail, retryAllDead, retryOutbound, type OutboundDetail, type RetryAnswer } from '../jobs/outbox-admin.ts';
import { positiveInt, table, toJson } from '../output.ts';
import { withApp } from './with-app.ts';

interface ListOptions {
  status?: string;
  case?: string;
  limit?: number;
  after?: string;
  json?: boolean;
}

export function outboxCommands(program: Command, config: () => Config): void {
  const outbox = program.command('outbox').description('messages we send: list them, show one, retry dead letters');
  outbox
    .command('list')
    .description('outbound messages, oldest first')
    .option('--status <status>', `only ${OUTBOX_FILTERS.join('|')} (dead: failed for good and not retried)`)
    .option('--case <reference>', 'only the messages of this case')
    .option('--limit <n>', 'at most N messages (a page)', positiveInt('--limit'))
    .option('--after <id>', 'the messages after this id (pass the last id of the previous page)')
    .option('--json', 'print JSON')
    .action(async (opts: ListOptions) => {
      const status = outboxFilter(opts.status);
      const afterId = opts.after === undefined ? undefined : outboundId(opts.after);
      const rows = await withApp(config, async (app) => {
        const kase = opts.case === undefined ? undefined : await findCaseByReference(app.db.sql, opts.case);
        if (opts.case !== undefined && !kase) throw new RedressError('not_found', `no case ${opts.case}`);
        return listOutbound(app.db.sql, { status, caseId: kase?.id, afterId, limit: opts.limit });
      });
      process.stdout.write(opts.json ? `${toJson(rows)}\n` : `${listTable(rows)}\n`);
    });
  outbox
    .command('show')
    .description('one message: status, attempts, last error, headers, dead letters')
    .argument('<id>', 'the message id (from outbox list)')
    .option('--json', 'print JSON')
    .option('--raw', 'print the message as sent (.eml)')
    .action(async (id: string, opts: { json?: boolean; raw?: boolean }) => {
      const { detail, raw } = await withApp(config, (app) => outboundDetail(app.db.sql, outboundId(id)));
      if (opts.raw) {
        if (!raw) throw new RedressError('not_found', `message ${id} has no stored source (purged under the retention period)`);
        process.stdout.write(raw);
      } else process.stdout.write(opts.json ? `${toJson(detail)}\n` : `${describe(detail)}\n`);
    });
  outbox
    .command('retry')
    .description('re-queue a message that failed for good (a dead letter) once; recorded on its case')
    .argument('[id]', 'the message id (from outbox list --status dead)')
    .option('--all-dead', 'every message that failed for good')
    .option('--json', 'print JSON')
    .action(async (id: string | undefined, opts: { allDead?: boolean; json?: boolean }) => {
      if ((id === undefined) === !opts.allDead) throw new RedressError('invalid_input', 'give one message id, or --all-dead');
      const answers = await withApp(config, async (app) => {
        const deps = { sql: app.db.sql, boss: app.boss, clock: app.clock, log: app.log };
        return id === undefined ? retryAllDead(deps) : [await retryOutbound(deps, outboundId(id))];
      });
      process.stdout.write(opts.json ? `${toJson(answers)}\n` : `${answers.length ? answers.map(retryLine).join('\n') : 'no dead letters to retry'}\n`);
    });
}

function outboxFilter(status: string | undefined): OutboxFilter | undefined {
  if (status === undefined || (OUTBOX_FILTERS as readonly string[]).includes(status)) return status as OutboxFilter | undefined;
  throw new RedressError('invalid_input', `--status must be one of ${OUTBOX_FILTERS.join(', ')}, got ${JSON.stringify(status)}`);
}

function outboundId(value: string): bigint {
  if (!/^\d{1,18}$/.test(value)) throw new RedressError('invalid_input', `a message id is a number (see \`redress outbox list\`), got ${JSON.stringify(value)}`);
  return BigInt(value);
}

function listTable(rows: OutboxRow[]): string {
  const view = rows.map((r) => ({ ...r, dead: r.dead ? 'dead' : '', last_error: r.last_error && oneLine(r.last_error, 60) }));
  return table(view, ['id', 'case', 'kind', 'status', 'dead', 'attempts', 'to', 'created_at', 'last_error']);
}

function describe(d: OutboundDetail): string {
  const at = (x: Date | null) => x?.toISOString() ?? '-';
  const open = d.dead_letters.some((l) => l.retried_at === null);
  return [
    `#${d.id}  ${d.kind}  ${d.status}${open ? '  DEAD LETTER: retry with `redress outbox retry ' + d.id + '`' : ''}`,
    `case:       ${d.case ?? '-'}`,
    `to:         ${d.to.join(', ')}  (${d.audience}${d.automatic ? ', automatic' : ''})`,
    `message-id: ${d.message_id}`,
    `created:    ${at(d.created_at)}   sent: ${at(d.sent_at)}`,
    `attempts:   ${d.attempts}`,
    `last error: ${d.last_error ?? '-'}`,
    '',
    'headers:',
    ...(d.headers.length ? d.headers.map((h) => `  ${h.name}: ${h.value}`) : ['  (source purged)']),
    '',
    'dead letters:',
    ...(d.dead_letters.length
      ? d.dead_letters.map((l) => `  #${l.id}  ${l.created_at.toISOString()}  ${l.retried_at ? `retried ${l.retried_at.toISOString()} as job ${l.retry_job_id}` : 'open'}  ${l.error}`)
      : ['  none']),
  ].join('\n');
}

function retryLine(a: RetryAnswer): string {
  const what = `#${a.id} ${a.kind}${a.case ? ` (${a.case})` : ''}`;
  return a.result === 'requeued' ? `${what}: re-queued as job ${a.job_id}` : `${what}: not retried, ${a.reason}; nothing changed`;
}

function oneLine(s: string, max: number): string {
  const line = s.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
