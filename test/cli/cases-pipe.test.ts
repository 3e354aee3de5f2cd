import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cliRunner } from '../helpers/cli.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { testConfig } from '../helpers/test-config.ts';

const PACKAGE = JSON.parse(await fs.readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const CASES = 5_000;

/** A separate process that reads its stdin to the end and reports what it parsed. */
const READER = `
let text = '';
process.stdin.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => {
  const cases = JSON.parse(text);
  process.stdout.write(JSON.stringify({ bytes: Buffer.byteLength(text), count: cases.length, first: cases[0].reference, last: cases.at(-1).reference }));
});`;

describe('redress cases through a pipe, in pages', () => {
  let db: TestDb;
  let dir: string;
  let env: Record<string, string>;
  let references: string[];

  beforeAll(async () => {
    db = await createTestDb();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-pipe-'));
    env = { PATH: testConfig.path, DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, LOG_LEVEL: 'silent' };
    await db.sql`insert into customers (email, display_name) select 'customer' || n || '@example.com', 'Customer ' || n from generate_series(1, ${CASES}) n`;
    await db.sql`
      insert into cases (reference, token, customer_id, subject, received_at)
      select 'CMP-2026-' || lpad(c.id::text, 6, '0'), 'tok' || c.id, c.id, 'Complaint number ' || c.id || ' about a bill that was wrong twice',
             timestamptz '2026-01-05 10:00Z' + c.id * interval '1 minute'
      from customers c`;
    references = (await db.sql<{ reference: string }[]>`select reference from cases order by id`).map((r) => r.reference);
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const redress = cliRunner(() => env);

  it('cases --json of 5,000 cases arrives whole at a reader on the other end of a pipe', async () => {
    const cli = spawn('node', [BIN, 'cases', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader gets the CLI's stdout pipe itself: the CLI writes to a real pipe, as in `redress cases --json | jq`.
    const reader = spawn('node', ['-e', READER], { stdio: [cli.stdout, 'pipe', 'pipe'] });
    cli.stdout.destroy(); // the parent's own end: only the reader reads
    let stderr = '';
    cli.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    let answer = '';
    reader.stdout.on('data', (c: Buffer) => (answer += c.toString()));
    const exited = (p: typeof cli) => new Promise<number | null>((resolve) => p.once('close', resolve));
    const [cliCode, readerCode] = await Promise.all([exited(cli), exited(reader)]);
    expect(stderr).toBe('');
    expect(cliCode).toBe(0);
    expect(readerCode).toBe(0);
    const result = JSON.parse(answer) as { bytes: number; count: number; first: string; last: string };
    expect(result).toMatchObject({ count: CASES, first: 'CMP-2026-000001', last: `CMP-2026-${String(CASES).padStart(6, '0')}` });
    expect(result.bytes).toBeGreaterThan(1_000_000); // far past what a pipe holds (64 KiB)
  });

  it('--limit and --after page through every case once, in id order', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const out = await redress(['cases', '--json', '--limit', '1500', ...(after ? ['--after', after] : [])]);
      expect(out.code).toBe(0);
      const page = (JSON.parse(out.stdout) as { reference: string }[]).map((c) => c.reference);
      if (page.length === 0) break;
      pages += 1;
      seen.push(...page);
      after = page.at(-1);
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(references);
  });

  it('--after with --status pages within the status; a bad --limit or an unknown --after says what is wrong', async () => {
    await db.sql`update cases set status = 'closed' where id % 1000 = 0`;
    const closed = JSON.parse((await redress(['cases', '--json', '--status', 'closed', '--after', 'CMP-2026-002500'])).stdout) as { reference: string }[];
    expect(closed.map((c) => c.reference)).toEqual(['CMP-2026-003000', 'CMP-2026-004000', 'CMP-2026-005000']);

    const zero = await redress(['cases', '--limit', '0']);
    expect(zero.code).toBe(1);
    expect(zero.stderr).toBe('redress: --limit must be a whole number of at least 1, got "0"\n');
    const unknown = await redress(['cases', '--after', 'CMP-2026-999999']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe('redress: no case CMP-2026-999999 to page after\n');
  });

  it('--version prints the version in package.json and exits 0', async () => {
    const out = await redress(['--version']);
    expect(out).toEqual({ code: 0, stdout: `redress ${PACKAGE.version}\n`, stderr: '' });
  });
});
