import type { Command } from 'commander';
import { CASE_STATUSES } from '../vocabulary.ts';
import { caseDetail, caseSummaries } from '../cases/case-view.ts';
import type { Config } from '../config.ts';
import { RedressError } from '../errors.ts';
import { exportCase, type ExportReport, type ExportTarget } from '../export/export-case.ts';
import { CASE_ACTIONS, runCaseAction, type CaseActionOptions } from './case-actions.ts';
import { positiveInt, table, toJson } from '../output.ts';
import { withApp } from './with-app.ts';

const STATUSES: readonly string[] = CASE_STATUSES;

export function caseCommands(program: Command, config: () => Config): void {
  program
    .command('cases')
    .description('list cases')
    .option('--status <status>', `only cases in this status (${STATUSES.join(', ')})`)
    .option('--limit <n>', 'at most N cases (a page); all of them without it', positiveInt('--limit'))
    .option('--after <reference>', 'the cases opened after this one (pass the last reference of the previous page)')
    .option('--json', 'print JSON')
    .action(async (opts: { status?: string; limit?: number; after?: string; json?: boolean }) => {
      if (opts.status && !STATUSES.includes(opts.status)) {
        throw new RedressError('invalid_input', `--status must be one of ${STATUSES.join(', ')}, got ${JSON.stringify(opts.status)}`);
      }
      const cases = await withApp(config, (app) => caseSummaries(app.db.sql, opts));
      process.stdout.write(
        opts.json ? `${toJson(cases)}\n` : `${table(cases as unknown as Record<string, unknown>[], ['reference', 'status', 'priority', 'flags', 'customer', 'received_at', 'subject'])}\n`,
      );
    });

  program
    .command('case')
    .description(`show one case (with --json: its customer, flags, messages and history), act on it (${CASE_ACTIONS.join(', ')}), or export its case file for the Ombudsman (export --out DIR | --zip FILE)`)
    .argument('<reference>', 'case reference, e.g. CMP-2026-000042')
    .argument('[action]', `one of ${CASE_ACTIONS.join(', ')}, or export`)
    .argument('[args...]', 'escalate supervisor|engineering|director; flag NAME; unflag NAME; refuse-deadlock timely|vexatious|jurisdiction; or the text')
    .option('--json', 'print JSON')
    .option('--outcome-file <file>', 'resolve: the outcome text (R10)')
    .option('--text <text>', 'note/reply/resolve: the text')
    .option('--text-file <file>', 'note/reply/resolve: the text, from a file')
    .option('--by <email>', 'the staff member acting (recorded in the history)')
    .option('--by-post', 'confirmed: the customer confirmed by post (R11)')
    .option('--on <date>', 'confirmed --by-post: the date of the letter, YYYY-MM-DD')
    .option('--out <dir>', 'export: write the case file into this new or empty folder')
    .option('--zip <file>', 'export: write the case file as this new zip file')
    .action(async (reference: string, action: string | undefined, args: string[], opts: CaseActionOptions & ExportOptions & { json?: boolean }) => {
      if (action === 'export') {
        const report = await withApp(config, (app) => exportCase({ sql: app.db.sql, organisation: app.config.ORGANISATION_NAME }, reference, exportTarget(opts), app.clock.now()));
        process.stdout.write(opts.json ? `${toJson(report)}\n` : `${describeExport(report)}\n`);
        return;
      }
      if (action) {
        const summary = await withApp(config, (app) => runCaseAction(app, reference, action, args, opts));
        process.stdout.write(opts.json ? `${toJson({ reference, action, result: summary })}\n` : `${summary}\n`);
        return;
      }
      const detail = await withApp(config, (app) => caseDetail(app.db.sql, reference));
      if (!detail) throw new RedressError('not_found', `no case ${reference}`);
      process.stdout.write(opts.json ? `${toJson(detail)}\n` : `${describe(detail)}\n`);
    });
}

interface ExportOptions {
  out?: string;
  zip?: string;
}

function exportTarget(opts: ExportOptions): ExportTarget {
  if (opts.out !== undefined && opts.zip === undefined) return { out: opts.out };
  if (opts.zip !== undefined && opts.out === undefined) return { zip: opts.zip };
  throw new RedressError('invalid_input', 'export writes the case file to a folder or a zip file: give --out DIR or --zip FILE (one of them)');
}

function describeExport(r: ExportReport): string {
  const purged = r.purged_messages > 0 ? ` (${r.purged_messages} purged, listed in the timeline)` : '';
  return `exported ${r.reference} to ${r.out ?? r.zip}: ${r.messages} messages${purged}, ${r.attachments} attachments, ${r.deadlines} deadlines, ${r.events} history entries; open timeline.html`;
}

function describe(d: NonNullable<Awaited<ReturnType<typeof caseDetail>>>): string {
  const lines = [
    `${d.reference}  ${d.status}${d.priority ? '  PRIORITY' : ''}  owner: ${d.owner_role}`,
    `subject:  ${d.subject}`,
    `customer: ${d.customer?.name ?? ''} <${d.customer?.email ?? 'no address'}>${d.representative ? `  via ${d.representative.email}` : ''}`,
    `flags:    ${d.flags.join(', ') || '-'}`,
    `received: ${d.received_at}`,
    '',
    'history:',
    ...d.history.map((h) => `  ${h.at.toISOString()}  ${h.event.padEnd(24)} ${h.actor}`),
  ];
  return lines.join('\n');
}
