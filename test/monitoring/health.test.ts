import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations } from '../../src/db/migrate.ts';
import type { Readiness } from '../../src/monitoring/readiness.ts';
import { runWorker } from '../../src/worker.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { rawMail } from '../helpers/e2e.ts';
import { freePort } from '../helpers/ports.ts';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.ts';
import { startProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitUntil } from '../helpers/wait.ts';

interface RunningWorker {
  app: TestApp;
  base: string;
  get(path: string): Promise<{ status: number; body: string }>;
  readiness(): Promise<{ status: number; body: Readiness }>;
  stop(): Promise<void>;
}

/** `redress start`'s runWorker over the production composition root, with METRICS_LISTEN on a free port. */
async function startWorker(db: TestDb, env: Record<string, string>): Promise<RunningWorker> {
  const port = await freePort();
  const app = await createTestApp(db, { METRICS_LISTEN: `127.0.0.1:${port}`, ...env });
  const stop = new AbortController();
  const running = runWorker(app, stop.signal);
  const base = `http://127.0.0.1:${port}`;
  const get = async (path: string) => {
    const res = await fetch(`${base}${path}`);
    return { status: res.status, body: await res.text() };
  };
  await waitUntil('the monitoring listener', 30_000, () => get('/healthz').then(() => true, () => false), 50);
  return {
    app,
    base,
    get,
    readiness: async () => {
      const res = await get('/readyz');
      return { status: res.status, body: JSON.parse(res.body) as Readiness };
    },
    stop: async () => {
      stop.abort();
      await running;
      await app.close();
    },
  };
}

/** The value of one sample line in Prometheus text, e.g. `redress_cases{status="new"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('health and readiness of a worker (SMTP intake, Postgres behind a proxy)', () => {
  let db: TestDb;
  let proxy: TcpProxy;
  let sink: SmtpSink;
  let worker: RunningWorker;

  beforeAll(async () => {
    db = await createTestDb();
    const url = new URL(db.url);
    proxy = await startProxy(Number(url.port || 5432), url.hostname);
    url.hostname = '127.0.0.1';
    url.port = String(proxy.port);
    sink = await startSmtpSink();
    worker = await startWorker(db, { DATABASE_URL: url.toString(), SMTP_LISTEN: `127.0.0.1:${await freePort()}`, SMTP_URL: sink.url });
  });
  afterAll(async () => {
    proxy.restore();
    await worker.stop();
    await Promise.all([proxy.stop(), sink.stop()]);
    await db.drop();
  });

  it('/healthz answers 200 with a small JSON body', async () => {
    expect(await worker.get('/healthz')).toEqual({ status: 200, body: '{"status":"ok"}\n' });
  });

  it('/readyz answers 200 when the database, the migrations and pg-boss are all well (no IMAP check without IMAP_URL)', async () => {
    const { status, body } = await worker.readiness();
    const shipped = await listMigrations();
    expect(status).toBe(200);
    expect(body).toEqual({
      status: 'ready',
      failing: [],
      checks: {
        database: { ok: true, detail: 'reachable' },
        migrations: { ok: true, detail: `current (${shipped.length} applied)` },
        jobs: { ok: true, detail: 'running' },
      },
    });
  });

  it('/readyz answers 503 naming the migrations while one is pending, and 200 once it is applied again', async () => {
    const newest = (await listMigrations()).at(-1)!;
    const [last] = await db.sql<{ version: number; name: string }[]>`delete from schema_migrations where version = ${newest.version} returning version, name`;
    try {
      const { status, body } = await worker.readiness();
      expect(status).toBe(503);
      expect(body.failing).toEqual(['migrations']);
      expect(body.checks.migrations).toEqual({ ok: false, detail: `pending: ${String(newest.version).padStart(4, '0')}_${newest.name} (run \`redress migrate\`)` });
    } finally {
      await db.sql`insert into schema_migrations (version, name) values (${last!.version}, ${last!.name})`;
    }
    expect((await worker.readiness()).status).toBe(200);
  });

  it('/readyz answers 503 naming the database while it is unreachable, and 200 once it is back', async () => {
    proxy.cut();
    try {
      const { status, body } = await worker.readiness();
      expect(status).toBe(503);
      expect(body.failing).toEqual(['database', 'migrations', 'jobs']);
      expect(body.checks.database!.ok).toBe(false);
      expect(body.checks.migrations).toEqual({ ok: false, detail: 'not checked: the database is unreachable' });
      expect((await worker.get('/healthz')).status).toBe(200);
    } finally {
      proxy.restore();
    }
    await waitUntil('readiness after the database is back', 30_000, async () => (await worker.readiness()).status === 200, 100);
  });

  it('/metrics keeps what `redress stats` reports, now through prom-client with process metrics', async () => {
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port: worker.app.config.SMTP_LISTEN.port, secure: false, ignoreTLS: true });
    await transport.sendMail({
      envelope: { from: 'kim@example.com', to: ['complaints@redress.test'] },
      raw: rawMail({ from: 'kim@example.com', subject: 'Mobile data', body: 'Since the update last week my mobile data has not worked anywhere in town.' }, 'health-1@example.com', worker.app.clock.now()),
    });
    await sink.waitFor(1, 30_000);
    const { status, body } = await worker.get('/metrics');
    expect(status).toBe(200);
    expect(sample(body, 'redress_inbound_messages{kind="complaint"}')).toBe(1);
    expect(sample(body, 'redress_cases{status="new"}')).toBe(1);
    expect(sample(body, 'redress_dead_letters')).toBe(0);
    expect(sample(body, 'redress_intake_lag_seconds_count{source="smtp"}')).toBe(1);
    expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
  });
});

describe('readiness and histograms with two workers on one IMAP mailbox', () => {
  let db: TestDb;
  let dovecot: Dovecot;
  let sink: SmtpSink;
  let first: RunningWorker;
  let second: RunningWorker;
  const mailbox = 'health-complaints';

  beforeAll(async () => {
    [db, dovecot, sink] = await Promise.all([createTestDb(), startDovecot(), startSmtpSink()]);
    const env = { IMAP_URL: dovecot.url(mailbox), SMTP_ENABLED: 'false', SMTP_URL: sink.url };
    first = await startWorker(db, env);
    await waitUntil('the first worker to read the mailbox', 30_000, async () => (await first.readiness()).body.checks.imap?.detail === 'connected', 50);
    second = await startWorker(db, env);
    await waitUntil('the second worker to stand by', 30_000, async () => (await second.readiness()).body.checks.imap?.ok === true, 50);
  });
  afterAll(async () => {
    await Promise.all([first.stop(), second.stop()]);
    await Promise.all([dovecot.stop(), sink.stop()]);
    await db.drop();
  });

  it('the worker holding the mailbox lock is ready: the mailbox is connected', async () => {
    const { status, body } = await first.readiness();
    expect(status).toBe(200);
    expect(body.checks.imap).toEqual({ ok: true, detail: 'connected' });
  });

  it('a second worker standing by behind the mailbox lock is ready too', async () => {
    const { status, body } = await second.readiness();
    expect(status).toBe(200);
    expect(body.failing).toEqual([]);
    expect(body.checks.imap).toEqual({ ok: true, detail: 'standby: another worker holds the mailbox lock' });
  });

  it('intake lag (INTERNALDATE to commit) and send latency (queued to sent) have observations once a complaint is ingested and its acknowledgement sent', async () => {
    const now = first.app.clock.now();
    const arrived = new Date(now.getTime() - 90_000);
    const raw = rawMail({ from: 'lee@example.com', subject: 'Broadband', body: 'My broadband has been down for six days and nobody has come to repair the line.' }, 'health-2@example.com', arrived);
    await dovecot.append(mailbox, raw, { internalDate: arrived });
    await sink.waitFor(1, 30_000);
    const scrape = () => Promise.all([first.get('/metrics'), second.get('/metrics')]);
    const acksObserved = async () => (await scrape()).reduce((n, r) => n + (sample(r.body, 'redress_send_latency_seconds_count{kind="ack"}') ?? 0), 0);
    // The sink has the message a moment before the sender records it as sent.
    await waitUntil('the send to be observed', 10_000, async () => (await acksObserved()) > 0, 50);
    const [a, b] = await scrape();
    // The lock holder ingested it, 90 s after it arrived by the (pinned) clock.
    expect(sample(a.body, 'redress_intake_lag_seconds_count{source="imap"}')).toBe(1);
    expect(sample(a.body, 'redress_intake_lag_seconds_sum{source="imap"}')).toBe(90);
    expect(sample(a.body, 'redress_intake_lag_seconds_bucket{le="60",source="imap"}')).toBe(0);
    expect(sample(a.body, 'redress_intake_lag_seconds_bucket{le="300",source="imap"}')).toBe(1);
    expect(sample(b.body, 'redress_intake_lag_seconds_count{source="imap"}')).toBeUndefined();
    // Either worker's pg-boss may have sent the acknowledgement: exactly one did.
    const sends = [a.body, b.body].map((text) => sample(text, 'redress_send_latency_seconds_count{kind="ack"}') ?? 0);
    expect(sends.sort()).toEqual([0, 1]);
    expect(sample(a.body, 'redress_send_queue_jobs{queue="send-email",state="completed"}')).toBe(1);
    expect(sample(a.body, 'redress_deadlines_overdue{kind="ack",rule="R1"}')).toBeUndefined();
  });
});
