import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { groupCommit } from '../../src/db/group-commit.ts';
import { startSmtpSource } from '../../src/intake/smtp-source.ts';
import type { IntakeInput, IntakeOutcome } from '../../src/intake/types.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, silentLog, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';

const input = (n: number): IntakeInput => ({ raw: Buffer.from(`m${n}`), receivedAt: new Date(0), source: 'smtp', sourceRef: String(n) });
const stored = (i: IntakeInput): IntakeOutcome => ({ status: 'stored', inboundId: BigInt(i.sourceRef!), kind: 'complaint', caseOpened: true });

describe('group commit: concurrent sessions share a transaction', () => {
  it('a lone message goes at once; those arriving while a batch is stored go together next, each answered with its own outcome', async () => {
    const batches: string[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => (release = r));
    const submit = groupCommit(async (inputs: readonly IntakeInput[]) => {
      batches.push(inputs.map((i) => i.sourceRef!));
      if (batches.length === 1) await first;
      return inputs.map(stored);
    }, 3);
    const answers = [submit(input(1)), submit(input(2)), submit(input(3)), submit(input(4)), submit(input(5))];
    release();
    expect((await Promise.all(answers)).map((o) => o.inboundId)).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(batches).toEqual([['1'], ['2', '3', '4'], ['5']]);
  });

  it("a batch's error reaches every message of that batch, and the next batch still runs", async () => {
    let calls = 0;
    const submit = groupCommit(async (inputs: readonly IntakeInput[]) => {
      calls += 1;
      if (calls === 1) throw new Error('database unavailable');
      return inputs.map(stored);
    }, 10);
    const a = submit(input(1));
    await expect(a).rejects.toThrow('database unavailable');
    await expect(submit(input(2))).resolves.toMatchObject({ inboundId: 2n });
  });
});

describe('SMTP intake with group commit, through Postgres', () => {
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

  it('20 sessions at once are stored in fewer transactions than messages, each answered 250 after its commit', async () => {
    const sizes: number[] = [];
    const processMany = async (inputs: readonly IntakeInput[]) => {
      sizes.push(inputs.length);
      return app.processMany(inputs);
    };
    const source = await startSmtpSource({ clock: app.clock, log: silentLog, process: app.process, processMany }, { host: '127.0.0.1', port: 0, protocol: 'smtp', hardMaxBytes: 1_000_000, maxClients: 30 });
    try {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: source.port, secure: false, ignoreTLS: true, pool: true, maxConnections: 20 } as never);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          transport.sendMail({ envelope: { from: `c${n}@example.com`, to: ['complaints@redress.test'] }, raw: rawMail({ from: `c${n}@example.com`, subject: `Bill ${n}`, body: 'I was charged twice this month and nobody has refunded me yet.', trace: [] }, `group-${n}@example.com`, app.clock.now()) }),
        ),
      );
      transport.close();
      expect(answers.every((a) => /^250 /.test(String(a.response)))).toBe(true);
      expect(await db.sql`select count(*)::int as n from inbound_messages where message_id like 'group-%'`).toEqual([{ n: 20 }]);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(20);
      expect(sizes.length).toBeLessThan(20);
    } finally {
      await source.close();
    }
  });
});
