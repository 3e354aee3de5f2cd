import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { importCustomers, setCustomer, type ImportReport, type SetReport } from '../customers/customers-admin.ts';
import { RedressError } from '../errors.ts';
import { toJson } from '../output.ts';
import { eraseCommand } from './retention.ts';
import { withApp } from './with-app.ts';

/** `redress customers import|set|erase`. */
export function customersCommands(program: Command, config: () => Config): void {
  const customers = program.command('customers').description('customers: import and set their registered address and account, erasure on request');
  customers
    .command('import')
    .description('add or update customers from a CSV file with the columns email, name, registered_email, account (an empty cell keeps what is stored); all or nothing, and importing the same file again changes nothing')
    .argument('<file>', 'the CSV file; the first line names the columns')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: { json?: boolean }) => {
      const report = await withApp(config, (app) => importCustomers({ sql: app.db.sql, log: app.log }, file));
      if (opts.json) {
        process.stdout.write(`${toJson(report)}\n`);
        if (report.errors.length > 0) process.exitCode = 1;
        return;
      }
      if (report.errors.length > 0) throw new RedressError('invalid_input', describeErrors(report));
      process.stdout.write(`${describeImport(report)}\n`);
    });
  customers
    .command('set')
    .description('set a customer\'s registered email address (where the outcome goes, R10), name or account; creates the customer if new')
    .argument('<email>', 'the address the customer writes from')
    .option('--registered-email <address>', 'where the outcome goes; a copy goes to the address they wrote from')
    .option('--name <name>', 'the customer\'s name')
    .option('--account <account>', 'their account number')
    .option('--json', 'print JSON')
    .action(async (email: string, opts: { registeredEmail?: string; name?: string; account?: string; json?: boolean }) => {
      if (opts.registeredEmail === undefined && opts.name === undefined && opts.account === undefined) {
        throw new RedressError('invalid_input', 'give what to set: --registered-email ADDRESS, --name NAME and/or --account ACCOUNT');
      }
      const report = await withApp(config, (app) => setCustomer(app.db.sql, email, opts));
      process.stdout.write(opts.json ? `${toJson(report)}\n` : `${describeSet(report)}\n`);
    });
  eraseCommand(customers, config);
}

function describeImport(r: ImportReport): string {
  if (r.created + r.updated === 0) return `nothing changed: all ${r.unchanged} ${r.unchanged === 1 ? 'row is' : 'rows are'} already as ${r.file} says`;
  return `imported ${r.file}: ${r.created} created, ${r.updated} updated, ${r.unchanged} unchanged`;
}

function describeErrors(r: ImportReport): string {
  const lines = r.errors.map((e) => `  line ${e.line}: ${e.message}`);
  return `${r.file} not imported, nothing changed; fix ${r.errors.length === 1 ? 'this line' : `these ${r.errors.length} lines`} and import it again:\n${lines.join('\n')}`;
}

function describeSet(r: SetReport): string {
  const c = r.customer;
  const fields = [`registered email ${c.registered_email ?? '-'}`, `name ${c.name ?? '-'}`, `account ${c.account ?? '-'}`].join(', ');
  return `${r.result} ${r.email}: ${fields}`;
}
