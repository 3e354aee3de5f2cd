import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapStatus } from '../../src/intake/imap-source.ts';
import { QUEUES } from '../../src/jobs/boss.ts';
import { checkReadiness, type JobsStatus } from '../../src/monitoring/readiness.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

/** The checks one by one against a real database and pg-boss: what /readyz answers when only one part is wrong. */
describe('readiness: each check fails on its own, and says why', () => {
  let db: TestDb;
  let app: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const check = (jobs: JobsStatus, imap?: ImapStatus) =>
    checkReadiness({ sql: app.db.sql, boss: app.boss, jobs: { status: () => jobs }, ...(imap ? { imap: { status: () => imap } } : {}) });

  it('pg-boss still starting or stopped makes the worker not ready, naming only the jobs check', async () => {
    expect(await check('running')).toMatchObject({ status: 'ready', failing: [] });
    for (const jobs of ['starting', 'stopped'] as const) {
      const r = await check(jobs);
      expect(r).toMatchObject({ status: 'not ready', failing: ['jobs'] });
      expect(r.checks.jobs).toEqual({ ok: false, detail: `pg-boss is ${jobs}` });
      expect(r.checks.database).toEqual({ ok: true, detail: 'reachable' });
    }
  });

  it('a mailbox still connecting or stopped is not ready; connected, or standing by behind the lock, is', async () => {
    expect((await check('running', 'connected')).failing).toEqual([]);
    expect((await check('running', 'standby')).checks.imap).toEqual({ ok: true, detail: 'standby: another worker holds the mailbox lock' });
    for (const imap of ['connecting', 'stopped'] as const) {
      const r = await check('running', imap);
      expect(r).toMatchObject({ status: 'not ready', failing: ['imap'] });
      expect(r.checks.imap).toEqual({ ok: false, detail: imap });
    }
  });

  it('a send queue that does not exist (sends would vanish) is not ready, naming the queue', async () => {
    await app.boss.deleteQueue(QUEUES.send);
    try {
      const r = await check('running');
      expect(r).toMatchObject({ status: 'not ready', failing: ['jobs'] });
      expect(r.checks.jobs).toEqual({ ok: false, detail: `the ${QUEUES.send} queue does not exist` });
    } finally {
      await app.boss.createQueue(QUEUES.send);
    }
  });
});
