import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitUntil } from '../helpers/wait.ts';
import { acksByComplaint, mailToIntake, queueComplaints, startWorker, type WorkerProcess } from '../helpers/worker.ts';

/** `redress start` against an SMTP relay that goes away, or stalls. */
describe('the running worker and an unreliable relay', () => {
  let db: TestDb;
  let dir: string;
  let worker: WorkerProcess | undefined;
  let sinks: SmtpSink[] = [];
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-relay-'));
  });
  afterEach(async () => {
    worker?.kill('SIGKILL');
    await worker?.exited;
    worker = undefined;
    await proxy?.stop();
    proxy = undefined;
    await Promise.all(sinks.map((s) => s.stop()));
    sinks = [];
    await db.drop();
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a new complaint\'s acknowledgement leaves at once: the commit wakes the send loop (NOTIFY), not its poll', { timeout: 60_000 }, async () => {
    db = await createTestDb();
    const sink = await startSmtpSink();
    sinks.push(sink);
    const intake = await freePort();
    worker = await startWorker({ DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, SMTP_URL: sink.url, SMTP_LISTEN: `127.0.0.1:${intake}`, SEND_POLL_SECONDS: '600' });
    for (const [i, id] of ['notify-0@customer.test', 'notify-1@customer.test', 'notify-2@customer.test'].entries()) {
      expect(await mailToIntake(intake, id)).toBe(250);
      await sink.waitFor(i + 1, 5_000); // the poll would take 600 s
      expect(acksByComplaint(sink.messages).get(id)).toHaveLength(1);
    }
    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it('relay down 30 s while 50 complaints arrive: nothing spends a retry, and all 50 acknowledgements go within 60 s of its return, each once', { timeout: 150_000 }, async () => {
    db = await createTestDb();
    const first = await startSmtpSink();
    sinks.push(first);
    const intake = await freePort();
    worker = await startWorker({ DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, SMTP_URL: first.url, SMTP_LISTEN: `127.0.0.1:${intake}`, SMTP_LISTEN_CONNECTIONS_PER_MINUTE: '1000' });
    expect(await mailToIntake(intake, 'before-outage@customer.test')).toBe(250);
    await first.waitFor(1, 10_000);

    await first.stop();
    sinks = [];
    const downAt = performance.now();
    const ids = Array.from({ length: 50 }, (_, i) => `outage-${i}@customer.test`);
    for (const id of ids) expect(await mailToIntake(intake, id)).toBe(250);
    await waitUntil('the relay to have been down 30 s', 40_000, async () => performance.now() - downAt >= 30_000, 200);

    // Paused, not retried: every acknowledgement is queued and no job has spent a retry or waits in backoff.
    const jobs = await db.sql<{ state: string; retry_count: number }[]>`select state, retry_count from pgboss.job where name = 'send-email' and state <> 'completed'`;
    expect(jobs).toHaveLength(50);
    expect(jobs.every((j) => j.state === 'created' && j.retry_count === 0)).toBe(true);
    expect(worker.logs()).toContain('the relay does not answer: sending paused');

    const back = await startSmtpSink({ port: first.port });
    sinks.push(back);
    const backAt = performance.now();
    await back.waitFor(50, 60_000);
    const drainedAt = performance.now();
    const acks = acksByComplaint(back.messages);
    for (const id of ids) expect(acks.get(id), id).toHaveLength(1);
    expect(back.messages).toHaveLength(50);
    expect(drainedAt - backAt).toBeLessThan(60_000);
    const [dead] = await db.sql<[{ n: number }]>`select count(*)::int as n from dead_letters`;
    expect(dead.n).toBe(0);

    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it('a relay connection that accepts and then says nothing: the others still go out, and the stalled one is retried', { timeout: 60_000 }, async () => {
    db = await createTestDb();
    const sink = await startSmtpSink();
    sinks.push(sink);
    proxy = await startProxy(sink.port, '127.0.0.1', { stall: (n) => n === 1 });
    const app = await createTestApp(db);
    const ids = await queueComplaints(app, 20, 'stall');
    await app.close();

    worker = await startWorker({
      DATABASE_URL: db.url,
      REDRESS_DATA_DIR: dir,
      SMTP_URL: `smtp://127.0.0.1:${proxy.port}`,
      SMTP_ENABLED: 'false',
      SMTP_MAX_CONNECTIONS: '3',
      SMTP_GREETING_TIMEOUT_SECONDS: '3',
    });
    await sink.waitFor(20, 30_000);
    const acks = acksByComplaint(sink.messages);
    for (const id of ids) expect(acks.get(id), id).toHaveLength(1);
    expect(sink.messages).toHaveLength(20);

    // Nineteen went out over the other connections while the first one hung; the twentieth after it timed out.
    const [abandoned] = proxy.stallsAbandonedAt;
    expect(abandoned).toBeDefined();
    expect(sink.messages.filter((m) => m.at < abandoned!)).toHaveLength(19);
    // The relay's 250 comes before the worker records the send: wait for the record.
    const attemptsOf = () => db.sql<{ attempts: number; status: string }[]>`select attempts, status from outbound_messages where kind = 'ack' order by attempts`;
    await waitUntil('every acknowledgement recorded as sent', 10_000, async () => (await attemptsOf()).every((a) => a.status === 'sent'), 50);
    const attempts = await attemptsOf();
    expect(attempts.map((a) => a.status)).toEqual(Array(20).fill('sent'));
    expect(attempts.map((a) => a.attempts)).toEqual([...Array(19).fill(1), 2]);
    expect(worker.logs()).not.toContain('sending paused');

    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });

  it('a slow relay: sends fetched but waiting for a connection go back before their jobs expire, so none is expired and retried', { timeout: 60_000 }, async () => {
    db = await createTestDb();
    const sink = await startSmtpSink({ delayMs: 700 });
    sinks.push(sink);
    const env = { SEND_EXPIRE_SECONDS: '5', SEND_RETRY_DELAY_SECONDS: '1' };
    const app = await createTestApp(db, env);
    const ids = await queueComplaints(app, 12, 'slow');
    await app.close();
    worker = await startWorker({ DATABASE_URL: db.url, REDRESS_DATA_DIR: dir, SMTP_URL: sink.url, SMTP_ENABLED: 'false', SMTP_MAX_CONNECTIONS: '1', ...env });
    await sink.waitFor(12, 40_000);
    const acks = acksByComplaint(sink.messages);
    for (const id of ids) expect(acks.get(id), id).toHaveLength(1);
    expect(worker.logs()).toContain('handed back to be fetched afresh');
    const jobs = () => db.sql<{ state: string; retry_count: number }[]>`select state, retry_count from pgboss.job where name = 'send-email'`;
    await waitUntil('every send job completed', 10_000, async () => (await jobs()).every((j) => j.state === 'completed'), 50);
    expect((await jobs()).map((j) => [j.state, j.retry_count])).toEqual(Array(12).fill(['completed', 0]));
    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
  });
});
