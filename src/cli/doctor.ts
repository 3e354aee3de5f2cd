import type { Command } from 'commander';
import type { Config } from '../config.ts';
import { diagnose, type Check } from '../doctor/doctor.ts';
import { createLogger } from '../log.ts';
import { toJson } from '../output.ts';

export function doctorCommand(program: Command, config: () => Config): void {
  program
    .command('doctor')
    .description('check the config, the database, the IMAP and SMTP sign-in and the outbox folder; one line each, exit 1 if any fails')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const checks = await diagnose(config, (c) => createLogger(c.LOG_LEVEL));
      const healthy = checks.every((c) => c.status !== 'fail');
      process.stdout.write(opts.json ? `${toJson({ ok: healthy, checks })}\n` : render(checks));
      if (!healthy) process.exitCode = 1;
    });
}

function render(checks: Check[]): string {
  const width = Math.max(...checks.map((c) => c.check.length));
  return checks.map((c) => `${c.status.toUpperCase().padEnd(4)}  ${c.check.padEnd(width)}  ${c.detail}\n`).join('');
}
