import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSendLoop } from '../../src/jobs/send-loop.ts';
import type { Sender } from '../../src/outbound/sender.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, silentLog, type TestDb } from '../helpers/db.ts';
import { waitUntil } from '../helpers/wait.ts';
import { queueComplaints } from '../helpers/worker.ts';

describe('the send loop keeps the relay busy while sends are recorded', () => {
  let db: TestDb;
  let app: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db);
    await queueComplaints(app, 5, 'busy');
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('with one connection and the cases locked elsewhere, every acknowledgement still reaches the relay; each is recorded once the locks go', async () => {
    const relayed: string[] = [];
    let atOnce = 0;
    let most = 0;
    const sender: Sender = {
      async send(_raw, _envelope, messageId) {
        most = Math.max(most, ++atOnce);
        await new Promise((r) => setTimeout(r, 10));
        atOnce -= 1;
        relayed.push(messageId);
      },
      probe: async () => {},
      close: async () => {},
    };
    let releaseLocks!: () => void;
    const locksHeld = new Promise<void>((r) => (releaseLocks = r));
    let locked!: () => void;
    const lockTaken = new Promise<void>((r) => (locked = r));
    // Another transaction holds every case row, so recording any send waits for it.
    const holder = db.sql.begin(async (tx) => {
      await tx`select id from cases for update`;
      locked();
      await locksHeld;
    });
    await lockTaken;
    const loop = startSendLoop({ boss: app.boss, send: { ...app.send, sender }, log: silentLog }, { batchSize: 50, concurrency: 1, pollMs: 100, holdMs: 30_000 });
    try {
      await waitUntil('all five acknowledgements at the relay', 10_000, async () => relayed.length === 5);
      expect(most).toBe(1);
      const [queued] = await db.sql<[{ n: number }]>`select count(*)::int as n from outbound_messages where kind = 'ack' and status = 'queued'`;
      expect(queued.n).toBe(5);
      releaseLocks();
      await holder;
      await waitUntil('all five recorded sent', 10_000, async () => {
        const [sent] = await db.sql<[{ n: number }]>`select count(*)::int as n from outbound_messages where kind = 'ack' and status = 'sent'`;
        return sent.n === 5;
      });
      await waitUntil('all five jobs completed', 10_000, async () => {
        const [done] = await db.sql<[{ n: number }]>`select count(*)::int as n from pgboss.job where name = 'send-email' and state = 'completed'`;
        return done.n === 5;
      });
      expect(new Set(relayed).size).toBe(5);
      expect(loop.state()).toMatchObject({ sent: 5, inFlight: 0, atRelay: 0 });
    } finally {
      releaseLocks();
      await holder;
      await loop.stop(1_000);
    }
  });
});
