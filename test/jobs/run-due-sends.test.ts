import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDue } from '../../src/jobs/run-due.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { queueComplaints } from '../helpers/worker.ts';

describe('run-due and a relay that is down', () => {
  let db: TestDb;
  let app: TestApp;

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db, { SMTP_URL: `smtp://127.0.0.1:${await freePort()}`, SMTP_CONNECT_TIMEOUT_SECONDS: '2' });
    await queueComplaints(app, 4, 'rundue');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('stops at the first connection failure and hands every send back to the queue without spending a retry', async () => {
    const stats = await runDue(app.runDue);
    expect(stats).toMatchObject({ sent: 0, failed: 0, retrying: 4 });
    const jobs = await db.sql<{ state: string; retry_count: number }[]>`select state, retry_count from pgboss.job where name = 'send-email'`;
    expect(jobs).toHaveLength(4);
    expect(jobs.every((j) => j.state === 'created' && j.retry_count === 0)).toBe(true);
    const attempts = await db.sql<{ attempts: number }[]>`select attempts from outbound_messages where kind = 'ack' order by attempts desc`;
    expect(attempts.map((a) => a.attempts)).toEqual([1, 0, 0, 0]);
    const [dead] = await db.sql<[{ n: number }]>`select count(*)::int as n from dead_letters`;
    expect(dead.n).toBe(0);
  });
});
