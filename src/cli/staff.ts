import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { RedressError } from '../errors.ts';
import { addStaff, listStaff, removeStaff } from '../staff/staff-repo.ts';
import { STAFF_ROLES, type StaffRole } from '../vocabulary.ts';
import { table, toJson } from '../output.ts';
import { withApp } from './with-app.ts';

export function staffCommands(program: Command, config: () => Config): void {
  const staff = program.command('staff').description('manage the staff addresses allowed to act by email');
  staff
    .command('add')
    .argument('<email>')
    .requiredOption('--role <role>', STAFF_ROLES.join('|'))
    .option('--name <name>', 'display name')
    .option('--json', 'print JSON')
    .action(async (email: string, opts: { role: string; name?: string; json?: boolean }) => {
      if (!(STAFF_ROLES as readonly string[]).includes(opts.role)) {
        throw new RedressError('invalid_input', `--role must be one of ${STAFF_ROLES.join(', ')}, got ${JSON.stringify(opts.role)}`);
      }
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new RedressError('invalid_input', `not an email address: ${JSON.stringify(email)}`);
      await withApp(config, async (app) => {
        const row = await addStaff(app.db.sql, email, opts.role as StaffRole, opts.name);
        process.stdout.write(opts.json ? `${toJson(row)}\n` : `${row.email} is ${row.role}\n`);
      });
    });
  staff
    .command('list')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      await withApp(config, async (app) => {
        const rows = await listStaff(app.db.sql);
        process.stdout.write(opts.json ? `${toJson(rows)}\n` : `${table(rows as unknown as Record<string, unknown>[], ['email', 'role', 'display_name'])}\n`);
      });
    });
  staff
    .command('remove')
    .argument('<email>')
    .action(async (email: string) => {
      await withApp(config, async (app) => {
        if (!(await removeStaff(app.db.sql, email))) throw new RedressError('not_found', `no active staff member ${email}`);
        process.stdout.write(`${email} removed\n`);
      });
    });
}
