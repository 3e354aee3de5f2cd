import fs from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config.ts';
import { RedressError } from '../errors.ts';
import { caseCommands } from './cases.ts';
import { customersCommands } from './customers.ts';
import { doctorCommand } from './doctor.ts';
import { reportCommand } from './report.ts';
import { retentionCommands } from './retention.ts';
import { ingestCommand } from './ingest.ts';
import { outboxCommands } from './outbox.ts';
import { digestCommand, migrateCommand, runDueCommand, startCommand, statsCommand } from './run.ts';
import { staffCommands } from './staff.ts';
import { templatesCommand } from './templates.ts';

export type Env = Record<string, string | undefined>;

/** `redress`: the operator's interface. Verbs, flags and JSON shapes are public; add, never rename. */
export async function runCli(argv: string[], env: Env): Promise<number> {
  const program = new Command('redress')
    .description('Email-driven complaint handling that keeps the promises of a complaints Code of Practice')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const config = () => loadConfig(env);

  migrateCommand(program, config);
  startCommand(program, config);
  runDueCommand(program, config);
  digestCommand(program, config);
  statsCommand(program, config);
  ingestCommand(program, config);
  caseCommands(program, config);
  staffCommands(program, config);
  doctorCommand(program, config);
  retentionCommands(program, config);
  customersCommands(program, config);
  reportCommand(program, config);
  outboxCommands(program, config);
  templatesCommand(program, config);
  program.version(`redress ${packageVersion()}`, '-V, --version', 'print the version');

  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    return reportError(err);
  }
}

/** Exit codes besides 0 (ok) and 1 (error): public, like the verbs. */
const EXIT_CODES: Partial<Record<RedressError['code'], number>> = { not_found: 3, refused: 4 };

/** From package.json beside src/ (or dist/), so a release needs one edit. */
function packageVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as { version: string }).version;
}

function reportError(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    return 1;
  }
  if (err instanceof RedressError) {
    process.stderr.write(`redress: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}\n`);
    return EXIT_CODES[err.code] ?? 1;
  }
  process.stderr.write(`redress: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}
