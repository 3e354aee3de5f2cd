import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const BIN = fileURLToPath(new URL('../../bin/redress.mjs', import.meta.url));
const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `redress ARGS...` as a child process with `env` (plus `extra`); a non-zero exit is a result, not a throw. */
export function cliRunner(env: () => Record<string, string>) {
  return async (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => {
    try {
      const { stdout, stderr } = await run('node', [BIN, ...args], { env: { ...env(), ...extra }, maxBuffer: 64 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as CliResult;
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
}
