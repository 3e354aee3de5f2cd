import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { messageIdOf } from '../helpers/e2e.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { waitUntil } from '../helpers/wait.ts';
import { pause } from '../../src/clock.ts';
import { acksByComplaint, queueComplaints, startWorker, type WorkerProcess } from '../helpers/worker.ts';

const BURST = 300;
const CONNECTIONS = 5;
/** SEND_BATCH_SIZE: the most sends started and not yet recorded. */
const BATCH = 10;

/** `redress start` stopped in the middle of a burst of acknowledgements, politely and not. */
describe('stopping the worker during a burst', () => {
  let db: TestDb;
  let dir: string;
  let sink: SmtpSink;
  let relays: SmtpSink[] = [];
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-stop-'));
  });
  afterEach(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    workers = [];
    await Promise.all([sink, ...relays].map((r) => r.stop()));
    relays = [];
    await db.drop();
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** A database with BURST acknowledgements queued, and a relay slow enough that a burst takes a few seconds. */
  async function burst(env: Record<string, string> = {}, size = BURST, relayDelayMs = 40): Promise<{ ids: string[]; env: Record<string, string> }> {
    db = await createTestDb();
    sink = await startSmtpSink({ delayMs: relayDelayMs });
    const app = await createTestApp(db, env);
    const ids = await queueComplaints(app, size, 'burst');
    await app.close();
    return { ids, env: { DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, SMTP_URL: sink.url, SMTP_ENABLED: 'false', SMTP_MAX_CONNECTIONS: String(CONNECTIONS), ...env } };
  }

  async function start(env: Record<string, string>): Promise<WorkerProcess> {
    const w = await startWorker(env);
    workers.push(w);
    return w;
  }

  it('SIGTERM mid-burst: exit 0 within 10 s, nothing left held; after a restart every message is sent exactly once', { timeout: 90_000 }, async () => {
    const { ids, env } = await burst();
    const first = await start(env);
    await sink.waitFor(50, 30_000);
    const signalledAt = performance.now();
    first.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    expect(first.logs()).toContain('worker stopped');
    const sentBeforeRestart = sink.messages.length;
    expect(sentBeforeRestart).toBeLessThan(BURST);

    // The jobs fetched but not sent went back to the queue at once, without spending a retry.
    const held = await db.sql<{ state: string; retry_count: number }[]>`select state, retry_count from pgboss.job where name = 'send-email' and state <> 'completed'`;
    expect(held).toHaveLength(BURST - sentBeforeRestart);
    expect(held.every((j) => j.state === 'created' && j.retry_count === 0)).toBe(true);

    const second = await start(env);
    await sink.waitFor(BURST, 60_000);
    const acks = acksByComplaint(sink.messages);
    for (const id of ids) expect(acks.get(id), id).toHaveLength(1);
    expect(sink.messages).toHaveLength(BURST);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('SIGKILL mid-burst: after a restart every message is sent; a duplicate only for a send in flight at the kill, with the same Message-ID', { timeout: 90_000 }, async () => {
    const { ids, env } = await burst({ SEND_EXPIRE_SECONDS: '5', SEND_RETRY_DELAY_SECONDS: '1', SEND_BATCH_SIZE: String(BATCH) });
    const first = await start(env);
    await sink.waitFor(50, 30_000);
    first.kill('SIGKILL');
    await first.exited;
    // A message the relay took just before the kill may still be in the sink's socket buffer.
    await pause(300);

    // In flight at the kill: at the relay, not recorded as sent. SEND_BATCH_SIZE bounds them.
    const recorded = new Set((await db.sql<{ message_id: string }[]>`select message_id from outbound_messages where status = 'sent'`).map((r) => r.message_id.replace(/^<|>$/g, '')));
    const inFlightAtKill = new Set(sink.messages.map(messageIdOf).filter((id) => !recorded.has(id)));
    expect(inFlightAtKill.size).toBeLessThanOrEqual(BATCH);

    const second = await start(env);
    await waitUntil('every acknowledgement at the relay', 60_000, async () => acksByComplaint(sink.messages).size === BURST, 100);
    const acks = acksByComplaint(sink.messages);
    for (const id of ids) expect(acks.get(id)?.length, id).toBeGreaterThanOrEqual(1);
    const duplicated = [...acks.values()].filter((copies) => copies.length > 1);
    expect(duplicated.map((copies) => messageIdOf(copies[0]!)).filter((id) => !inFlightAtKill.has(id))).toEqual([]);
    for (const copies of duplicated) {
      expect(new Set(copies.map(messageIdOf)).size).toBe(1);
      expect(copies.every((c) => c.raw.equals(copies[0]!.raw))).toBe(true);
    }
    const statuses = () => db.sql<{ status: string; n: number }[]>`select status, count(*)::int as n from outbound_messages where kind = 'ack' group by status`;
    await waitUntil('every acknowledgement recorded as sent', 10_000, async () => (await statuses()).length === 1, 50);
    expect(await statuses()).toEqual([{ status: 'sent', n: BURST }]);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('SIGTERM while sends hang in the middle of their message: exit 0 within 10 s, and the unfinished sends go back to the queue unspent', { timeout: 90_000 }, async () => {
    const { ids, env } = await burst({}, 20, 120_000);
    const first = await start(env);
    await waitUntil('five messages stuck mid-send', 20_000, async () => sink.started >= CONNECTIONS, 50);
    const signalledAt = performance.now();
    first.kill('SIGTERM');
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - signalledAt).toBeLessThan(10_000);
    expect(first.logs()).toContain('cancelling them and handing them back');
    const held = await db.sql<{ state: string; retry_count: number }[]>`select state, retry_count from pgboss.job where name = 'send-email'`;
    expect(held).toHaveLength(20);
    expect(held.every((j) => j.state === 'created' && j.retry_count === 0)).toBe(true);

    const relay = await startSmtpSink();
    relays.push(relay);
    const second = await start({ ...env, SMTP_URL: relay.url });
    await relay.waitFor(20, 30_000);
    const acks = acksByComplaint(relay.messages);
    for (const id of ids) expect(acks.get(id), id).toHaveLength(1);
    second.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });
});
