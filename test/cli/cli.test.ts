import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner } from '../helpers/cli.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';
import { testConfig } from '../helpers/test-config.ts';

describe('redress CLI (the public interface)', () => {
  let db: TestDb;
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDb();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-cli-'));
    env = { PATH: testConfig.path, DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS: 'complaints@redress.test' };
  });
  afterAll(async () => {
    await db.drop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  const redress = cliRunner(() => env);

  it('ingest FILE --received-at, then cases --json and case REF --json show the case', async () => {
    const file = path.join(dir, 'complaint.eml');
    await fs.writeFile(file, rawMail({ from: 'Pat <pat@example.com>', subject: 'Wrong bill', body: 'I was charged twice for October and the second charge has put my account overdrawn.' }, 'cli-1@example.com', new Date('2026-11-02T10:00:00Z')));
    const ingest = await redress(['ingest', file, '--received-at', '2026-11-02T10:00:00Z', '--json'], { REDRESS_NOW: '2026-11-02T10:00:00Z' });
    expect(ingest.code).toBe(0);
    const [result] = JSON.parse(ingest.stdout);
    expect(result).toMatchObject({ file, status: 'stored', kind: 'complaint', caseOpened: true });

    const cases = JSON.parse((await redress(['cases', '--json', '--status', 'new'])).stdout);
    expect(cases).toEqual([expect.objectContaining({ reference: result.caseReference, status: 'new', customer: 'pat@example.com', received_at: '2026-11-02T10:00:00.000Z' })]);

    const detail = JSON.parse((await redress(['case', result.caseReference, '--json'])).stdout);
    expect(detail.customer).toMatchObject({ email: 'pat@example.com', name: 'Pat' });
    expect(detail.messages.inbound).toHaveLength(1);
    expect(detail.messages.outbound[0]).toMatchObject({ kind: 'ack' });
    expect(detail.history.map((h: { event: string }) => h.event)).toContain('case.opened');
    expect(detail.deadlines.map((d: { kind: string }) => d.kind)).toEqual(expect.arrayContaining(['ack', 'review', 'update', 'adr']));
  });

  it('staff add/list, a CLI outcome, and run-due --json with a pinned clock', async () => {
    expect((await redress(['staff', 'add', 'Rita@Example.com', '--role', 'rep'])).code).toBe(0);
    const staff = JSON.parse((await redress(['staff', 'list', '--json'])).stdout);
    expect(staff).toEqual([expect.objectContaining({ email: 'rita@example.com', role: 'rep' })]);

    const [kase] = await db.sql`select reference from cases order by id limit 1`;
    const outcomeFile = path.join(dir, 'outcome.txt');
    await fs.writeFile(outcomeFile, 'We refunded the duplicate charge of £42.50.');
    const resolved = await redress(['case', kase!.reference, 'resolve', '--outcome-file', outcomeFile, '--by', 'rita@example.com'], { REDRESS_NOW: '2026-11-03T11:00:00Z' });
    expect(resolved.code).toBe(0);
    expect(resolved.stdout).toMatch(/outcome/);

    const due = await redress(['run-due', '--json'], { REDRESS_NOW: '2026-11-03T11:05:00Z' });
    expect(due.code).toBe(0);
    // the acknowledgement, the outcome, and the day's digest to Rita (08:30 has passed)
    expect(JSON.parse(due.stdout)).toMatchObject({ digest: true, sent: 3, failed: 0 });
    const files = await fs.readdir(path.join(dir, 'outbox'));
    expect(files.length).toBe(3);
  });

  it('a bad config names the variable and what is wrong, and exits 1', async () => {
    const out = await redress(['cases'], { IMAP_URL: 'http://nope', MAX_ATTACHMENTS: '-3' });
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('IMAP_URL');
    expect(out.stderr).toContain('MAX_ATTACHMENTS');
  });

  it('an unknown case exits 3 with a clear message', async () => {
    const out = await redress(['case', 'CMP-2026-999999', '--json']);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('no case CMP-2026-999999');
  });
});
