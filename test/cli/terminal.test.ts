import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { readable } from '../../src/log.ts';
import { BIN } from '../helpers/cli.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';
import { testConfig } from '../helpers/test-config.ts';

const run = promisify(execFile);
const ESC = '\u001b[';

describe('logs: readable on a terminal, JSON otherwise', () => {
  it.each([
    ['auto', true, true],
    ['auto', false, false],
    ['pretty', false, true],
    ['json', true, false],
  ] as const)('LOG_FORMAT=%s with stderr a terminal: %s -> readable %s', (format, terminal, expected) => {
    expect(readable(format, terminal)).toBe(expected);
  });

  it('LOG_FORMAT defaults to auto and names itself when wrong', () => {
    expect(loadConfig({}).LOG_FORMAT).toBe('auto');
    expect(() => loadConfig({ LOG_FORMAT: 'fancy' })).toThrow(/LOG_FORMAT: Invalid option: expected one of "auto"\|"pretty"\|"json" \(got "fancy"\)/);
  });
});

/** The CLI run as a person would, through `script` (a pseudo-terminal), and as a script would, through pipes. */
describe('redress ingest FILE... at a terminal and in a pipe', () => {
  let db: TestDb;
  let dir: string;
  let env: Record<string, string>;
  const files: string[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-tty-'));
    env = { PATH: testConfig.path, SHELL: '/bin/sh', DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, LOG_LEVEL: 'info', COMPLAINTS_ADDRESS: 'complaints@redress.test' };
    for (const n of [1, 2, 3, 4, 5, 6]) {
      const file = path.join(dir, `complaint-${n}.eml`);
      const body = `Complaint ${n}: I was charged twice for my bill this month and nobody has refunded the second payment.`;
      await fs.writeFile(file, rawMail({ from: `person${n}@example.com`, subject: `Double charge ${n}`, body }, `tty-${n}@example.com`, new Date('2026-11-02T10:00:00Z')));
      files.push(file);
    }
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** stdout and stderr on one pseudo-terminal; what the person sees, escapes and all. */
  const atTerminal = async (args: string[], extra: Record<string, string> = {}) => {
    const command = ['node', BIN, ...args].map((a) => `'${a}'`).join(' ');
    const { stdout } = await run('script', ['-qefc', command, '/dev/null'], { env: { ...env, ...extra } });
    return stdout.replace(/\r\n/g, '\n');
  };

  it('at a terminal: a progress bar for the files, readable log lines and the results above it', async () => {
    const screen = await atTerminal(['ingest', files[0]!, files[1]!]);
    expect(screen).toContain('ingest [');
    expect(screen).toContain('] 2/2 files  100%');
    // (no colours: the test's environment names no TERM)
    expect(screen).toMatch(/\[\d\d:\d\d:\d\d\.\d{3}\] INFO: message stored \{"source":"file","sourceRef":"[^"]+complaint-1\.eml"/);
    expect(screen).toContain(`${files[0]}: stored complaint CMP-2026-000001 (new case)\n`);
    expect(screen).toContain(`${files[1]}: stored complaint CMP-2026-000002 (new case)\n`);
    expect(screen).not.toContain('{"level":');
    // The results come before the finished bar, which is the last thing drawn.
    expect(screen.lastIndexOf('complaint-2.eml: stored')).toBeLessThan(screen.lastIndexOf('2/2 files'));
  });

  it('in a pipe: JSON log lines, the results on stdout, and no bar or escape codes anywhere', async () => {
    const { stdout, stderr } = await run('node', [BIN, 'ingest', files[2]!, files[3]!], { env });
    expect(stdout).toBe(`${files[2]}: stored complaint CMP-2026-000003 (new case)\n${files[3]}: stored complaint CMP-2026-000004 (new case)\n`);
    const lines = stderr.trimEnd().split('\n').map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(lines.filter((l) => l.msg === 'message stored')).toHaveLength(2);
    expect(stderr).not.toContain(ESC);
    expect(stderr).not.toContain('files');
  });

  it('LOG_FORMAT=pretty is readable through a pipe; LOG_FORMAT=json stays JSON at a terminal', async () => {
    const { stderr } = await run('node', [BIN, 'ingest', files[4]!], { env: { ...env, LOG_FORMAT: 'pretty' } });
    expect(stderr).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: message stored \{"source":"file"/m);
    const screen = await atTerminal(['ingest', files[5]!], { LOG_FORMAT: 'json' });
    expect(screen).toMatch(/\{"level":30,[^\n]*"msg":"message stored"\}\n/); // after the escapes that clear the bar's line
    expect(screen).toContain('] 1/1 files  100%');
  });
});
