import type { Command } from 'commander';
import type { App } from '../app.ts';
import type { Config } from '../config.ts';
import { eraseCustomer, type ErasureReport } from '../retention/erase.ts';
import { purgeExpired, type PurgeReport, type RetentionDeps } from '../retention/purge.ts';
import type { RedactionCounts } from '../retention/retention-repo.ts';
import { toJson } from '../output.ts';
import { withApp } from './with-app.ts';

export function retentionCommands(program: Command, config: () => Config): void {
  program
    .command('purge')
    .description('remove the raw mail, attachments and bodies of cases closed more than RETENTION_DAYS_AFTER_CLOSE days ago, and replace their personal data by placeholders')
    .option('--dry-run', 'say what would be removed; change nothing')
    .option('--json', 'print JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }) => {
      const report = await withApp(config, (app) => purgeExpired(retentionDeps(app), { dryRun: opts.dryRun ?? false }));
      process.stdout.write(opts.json ? `${toJson(report)}\n` : `${describePurge(report)}\n`);
    });

}

/** `redress customers erase EMAIL`, in the customers group (src/cli/customers.ts). */
export function eraseCommand(customers: Command, config: () => Config): void {
  customers
    .command('erase')
    .description("erase a person's personal data on request: their closed cases are redacted as a purge would, their customer record emptied (refused while a case of theirs is open)")
    .argument('<email>')
    .option('--json', 'print JSON')
    .action(async (email: string, opts: { json?: boolean }) => {
      const report = await withApp(config, (app) => eraseCustomer(retentionDeps(app), email));
      process.stdout.write(opts.json ? `${toJson(report)}\n` : `${describeErasure(report)}\n`);
    });
}

function retentionDeps(app: App): RetentionDeps {
  return { sql: app.db.sql, clock: app.clock, log: app.log, retentionDaysAfterClose: app.config.RETENTION_DAYS_AFTER_CLOSE };
}

function describePurge(r: PurgeReport): string {
  const scope = `closed before ${r.closed_before}`;
  if (r.cases.length === 0 && totalOf(r) === 0) return `nothing to purge: no case ${scope} and no older mail still holds personal data`;
  const verb = r.dry_run ? 'would purge' : 'purged';
  return `${verb} ${plural(r.cases.length, 'case')} ${scope}${r.cases.length ? ` (${r.cases.join(', ')})` : ''}: ${describeCounts(r)}; ${plural(r.customers, 'customer record')} emptied`;
}

function describeErasure(r: ErasureReport): string {
  if (!r.erased) return `nothing to erase for ${r.email}: ${r.reason}`;
  return `erased ${r.email}: ${plural(r.cases.length, 'case')} redacted${r.cases.length ? ` (${r.cases.join(', ')})` : ''}; ${describeCounts(r)}; ${plural(r.customers, 'customer record')} emptied`;
}

function describeCounts(c: RedactionCounts): string {
  return [plural(c.inbound_messages, 'inbound message'), plural(c.attachments, 'attachment'), plural(c.outbound_messages, 'outbound message'), plural(c.history_entries, 'history entry', 'history entries')].join(', ');
}

function totalOf(c: RedactionCounts): number {
  return c.inbound_messages + c.attachments + c.outbound_messages + c.history_entries;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
