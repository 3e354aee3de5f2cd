import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectMetrics, renderPrometheus, startMetricsServer } from '../src/metrics.ts';
import { createTestApp, type TestApp } from './helpers/app.ts';
import { createTestDb, silentLog, type TestDb } from './helpers/db.ts';
import { rawMail } from './helpers/e2e.ts';

describe('metrics for the operator', () => {
  let db: TestDb;
  let app: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db);
    await app.process({ raw: Buffer.from(rawMail({ from: 'max@example.com', subject: 'Billing', body: 'I have been billed for a service I cancelled in August, twice now.' }, 'm1@example.com', app.clock.now())), receivedAt: app.clock.now(), source: 'file' });
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('counts messages by kind, cases by status, sends and overdue deadlines', async () => {
    app.clock.advance(10 * 86_400_000);
    const m = await collectMetrics(db.sql, app.clock.now());
    expect(m.inbound_by_kind).toEqual({ complaint: 1 });
    expect(m.cases_by_status).toEqual({ new: 1 });
    expect(m.outbound_by_status).toEqual({ queued: 1 });
    expect(m.deadlines_overdue_by_kind).toMatchObject({ ack: 1, review: 1, update: 1 });
    expect(renderPrometheus(m)).toContain('redress_cases{status="new"} 1');
  });

  it('serves them at /metrics in Prometheus text format', async () => {
    const server = await startMetricsServer({ sql: db.sql, log: silentLog, now: () => app.clock.now() }, '127.0.0.1', 0);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('redress_inbound_messages{kind="complaint"} 1');
    } finally {
      await server.close();
    }
  });
});
