import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectCounts } from '../../src/monitoring/counts.ts';
import { createDatabaseGauges } from '../../src/monitoring/metrics.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';
import { testConfig } from '../helpers/test-config.ts';

const BIN = fileURLToPath(new URL('../../bin/redress.mjs', import.meta.url));
const run = promisify(execFile);

/** One complaint, ten days on: nothing sent, its first deadlines overdue. */
const COUNTS = {
  inbound_by_kind: { complaint: 1 },
  cases_by_status: { new: 1 },
  outbound_by_status: { queued: 1 },
  deadlines_overdue_by_kind: { ack: 1, review: 1, update: 1 },
  dead_letters: 0,
  quarantined: 0,
};

describe('counts for the operator', () => {
  let db: TestDb;
  let app: TestApp;
  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db);
    await app.process({ raw: Buffer.from(rawMail({ from: 'max@example.com', subject: 'Billing', body: 'I have been billed for a service I cancelled in August, twice now.' }, 'm1@example.com', app.clock.now())), receivedAt: app.clock.now(), source: 'file' });
    app.clock.advance(10 * 86_400_000);
  });
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('`stats --json` counts messages by kind, cases by status, sends and overdue deadlines (its shape is public)', async () => {
    expect(await collectCounts(db.sql, app.clock.now())).toEqual(COUNTS);
  });

  it('the same counts as Prometheus gauges, overdue deadlines by kind and rule, and the send queue by state', async () => {
    const gauges = createDatabaseGauges();
    await gauges.refresh(db.sql, app.clock.now());
    const samples = (await gauges.registry.metrics()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples).toEqual([
      'redress_inbound_messages{kind="complaint"} 1',
      'redress_cases{status="new"} 1',
      'redress_outbound_messages{status="queued"} 1',
      'redress_deadlines_overdue{kind="ack",rule="R1"} 1',
      'redress_deadlines_overdue{kind="review",rule="R4"} 1',
      'redress_deadlines_overdue{kind="update",rule="R3"} 1',
      'redress_dead_letters 0',
      'redress_send_queue_jobs{queue="send-email",state="created"} 1',
    ]);
  });

  it('`redress stats` prints the gauges as Prometheus text, and `stats --json` the same JSON shape as before', async () => {
    const env = { PATH: testConfig.path, DATABASE_URL: db.url, REDRESS_DATA_DIR: app.dataDir, LOG_LEVEL: 'silent', REDRESS_NOW: app.clock.now().toISOString() };
    const [text, json] = await Promise.all([run('node', [BIN, 'stats'], { env }), run('node', [BIN, 'stats', '--json'], { env })]);
    expect(text.stdout).toContain('# TYPE redress_cases gauge\nredress_cases{status="new"} 1\n');
    expect(text.stdout).toContain('redress_deadlines_overdue{kind="ack",rule="R1"} 1');
    expect(JSON.parse(json.stdout)).toEqual(COUNTS);
  });
});
