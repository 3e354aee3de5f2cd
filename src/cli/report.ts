import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { RedressError } from '../errors.ts';
import { regulatorReport } from '../reports/regulator-report.ts';
import { reportCsv, reportTable } from '../reports/report.ts';
import { toJson } from '../output.ts';
import { withApp } from './with-app.ts';

const FORMATS = ['table', 'json', 'csv'];

/** `redress report --from DATE --to DATE [--format table|json|csv]`: the regulator's figures for a period. */
export function reportCommand(program: Command, config: () => Config): void {
  program
    .command('report')
    .description("the regulator's report for local dates FROM to TO inclusive: complaints by channel, deadlines met and missed per rule, times to acknowledgement and outcome, resolved within 8 weeks, ADR notices and deadlock letters, closures")
    .requiredOption('--from <date>', 'first day, YYYY-MM-DD (business time zone)')
    .requiredOption('--to <date>', 'last day, YYYY-MM-DD, included')
    .option('--format <format>', `${FORMATS.join(', ')}`, 'table')
    .action(async (opts: { from: string; to: string; format: string }) => {
      if (!FORMATS.includes(opts.format)) throw new RedressError('invalid_input', `--format must be one of ${FORMATS.join(', ')}, got ${JSON.stringify(opts.format)}`);
      const report = await withApp(config, (app) => regulatorReport({ sql: app.db.sql, calendar: app.calendar, adrDays: app.config.ADR_DAYS }, opts.from, opts.to, app.clock.now()));
      const out = opts.format === 'json' ? `${toJson(report)}\n` : opts.format === 'csv' ? reportCsv(report) : `${reportTable(report)}\n`;
      process.stdout.write(out);
    });
}
