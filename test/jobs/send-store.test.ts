import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sharedSendStore, type SendStore } from '../../src/jobs/send-job.ts';
import type { OutboundForSend } from '../../src/outbound/outbox-repo.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { queueComplaints } from '../helpers/worker.ts';

describe('sends in flight side by side share their reads and records', () => {
  let db: TestDb;
  let app: TestApp;
  let statements: string[];
  let store: SendStore;

  beforeEach(async () => {
    db = await createTestDb();
    statements = [];
    app = await createTestApp(db, {}, undefined, (query) => statements.push(query));
    await queueComplaints(app, 5, 'shared');
    store = sharedSendStore(app.send, 50);
  });
  afterEach(async () => {
    await app.close();
    await db.drop();
  });

  const acks = async (): Promise<bigint[]> => (await db.sql<{ id: bigint }[]>`select id from outbound_messages where kind = 'ack' order by id`).map((r) => r.id);
  const loadAll = async (ids: bigint[]): Promise<OutboundForSend[]> => (await Promise.all(ids.map((id) => store.load(id)))).map((m) => m!);
  const sent = (m: OutboundForSend) => ({ m, raw: Buffer.from(`raw of ${m.message_id}`), sentAt: app.clock.now() });
  const count = (pattern: RegExp) => statements.filter((q) => pattern.test(q.trim())).length;

  it('R1: five acknowledgements read and recorded at once take two reads and two transactions, and each case is acknowledged once', async () => {
    const ids = await acks();
    statements = [];
    const messages = await loadAll(ids);
    expect(messages.map((m) => m.id)).toEqual(ids);
    expect(count(/from outbound_messages where id = any/)).toBe(2);

    statements = [];
    await Promise.all(messages.map((m) => store.recordSent(sent(m))));
    // The first goes alone; the four that arrive while it is written go together.
    expect(count(/^update outbound_messages o set status = 'sent'/)).toBe(2);
    expect(count(/^begin/i)).toBe(2);

    const rows = await db.sql<{ status: string; raw: Buffer; content: unknown }[]>`select status, raw, content from outbound_messages where kind = 'ack' order by id`;
    expect(rows.map((r) => r.status)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    expect(rows.map((r) => r.raw.toString())).toEqual(messages.map((m) => `raw of ${m.message_id}`));
    expect(rows.every((r) => r.content === null)).toBe(true);
    const acknowledged = await db.sql<{ n: number }[]>`select count(*)::int as n from case_history where event = 'acknowledged' group by case_id`;
    expect(acknowledged.map((r) => r.n)).toEqual([1, 1, 1, 1, 1]);
    const r1 = await db.sql<{ status: string }[]>`select status from deadlines where kind = 'ack' order by case_id`;
    expect(r1.map((d) => d.status)).toEqual(['met', 'met', 'met', 'met', 'met']);
  });

  it('a record that cannot be written fails alone: the others in its transaction are retried one by one and kept', async () => {
    const [a, b, c] = await loadAll((await acks()).slice(0, 3));
    const first = store.recordSent(sent(a!));
    const broken = { ...b!, case_id: 999_999_999n };
    const answers = await Promise.allSettled([first, store.recordSent(sent(broken)), store.recordSent(sent(c!))]);
    expect(answers.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((answers[1] as PromiseRejectedResult).reason)).toContain('no case with id 999999999');
    const rows = await db.sql<{ id: bigint; status: string }[]>`select id, status from outbound_messages where id = any(${[a!.id, b!.id, c!.id].map(String)}::bigint[]) order by id`;
    expect(rows.map((r) => r.status)).toEqual(['sent', 'queued', 'sent']);
  });

  it('a message recorded twice (a send repeated after a crash) tells its case once', async () => {
    const [a] = await loadAll((await acks()).slice(0, 1));
    await store.recordSent(sent(a!));
    await store.recordSent(sent(a!));
    const [row] = await db.sql<[{ attempts: number }]>`select attempts from outbound_messages where id = ${a!.id}`;
    expect(row.attempts).toBe(1);
    const [history] = await db.sql<[{ n: number }]>`select count(*)::int as n from case_history where case_id = ${a!.case_id} and event = 'acknowledged'`;
    expect(history.n).toBe(1);
  });
});
