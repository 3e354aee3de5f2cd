import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/db/pool.ts';
import { sendLedger } from '../../src/outbound/outbox-repo.ts';
import { createTestDb, silentLog, type TestDb } from '../helpers/db.ts';
import { statementRecorder } from '../helpers/statement-plans.ts';

/** Automatic answers already sent today to other customers (a busy morning), and as many in the month before. */
const DAY_VOLUME = 20_000;
const NOW = new Date('2026-11-02T10:00:00Z');
const SINCE = new Date(NOW.getTime() - 86_400_000);
const PROBED = Array.from({ length: 200 }, (_, i) => `batch-${i}@customers.test`);

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];

/** The per-address cap on automatic answers (RFC 3834), as the intake's send ledger reads it. */
describe('the daily cap on automatic answers', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
    const automatic = (to: string, n: number, at: string) => db.sql`
      insert into outbound_messages (kind, idempotency_key, message_id, to_addresses, subject, status, created_at, automatic)
      select 'ack', ${to} || ':' || g || ':' || ${at}, ${to} || '.' || g || '.' || ${at} || '@redress.test', array[${to}], 'Your complaint', 'sent', ${at}::timestamptz, true
      from generate_series(1, ${n}) g`;
    // Last month's mail, analysed; then today's, which the statistics have not seen yet, as
    // during a busy day between two autovacuum runs.
    await db.sql`
      insert into outbound_messages (kind, idempotency_key, message_id, to_addresses, subject, status, created_at, automatic)
      select 'ack', 'month:' || g, 'month.' || g || '@redress.test', array['earlier-' || g || '@customers.test'], 'Your complaint', 'sent', ${SINCE} - (g % 43200) * interval '1 minute', true
      from generate_series(1, ${DAY_VOLUME}) g`;
    await automatic(PROBED[0]!, 3, '2026-10-30T09:00:00Z');
    await db.sql`vacuum analyze outbound_messages`;
    await db.sql`
      insert into outbound_messages (kind, idempotency_key, message_id, to_addresses, subject, status, created_at, automatic)
      select 'ack', 'day:' || g, 'day.' || g || '@redress.test', array['other-' || g || '@customers.test'], 'Your complaint', 'sent', ${NOW} - (g % 600) * interval '1 minute', true
      from generate_series(1, ${DAY_VOLUME}) g`;
    await automatic(PROBED[0]!, 2, '2026-11-02T09:00:00Z');
    await automatic(PROBED[1]!, 1, '2026-11-01T12:00:00Z');
  }, 60_000);
  afterAll(() => db.drop());

  it("counts each address's automatic mail since yesterday, reading what those addresses got, not the day's automatic mail", async () => {
    const recorder = statementRecorder();
    const sql = createPool(db.url, silentLog, 1, recorder.observe);
    try {
      const ledger = await recorder.during('cap', () => sendLedger(sql, { addresses: PROBED, senders: [], summaryKeys: [], since: SINCE }));
      expect(Object.fromEntries(ledger.automatic)).toEqual({ [PROBED[0]!]: 2, [PROBED[1]!]: 1 });

      const [statement] = recorder.statements().filter((s) => /to_addresses @> array\[a.address\]/.test(s.text));
      const parameters = statement!.parameters.map((p, i) => (statement!.types[i] ? sql.typed(p as never, statement!.types[i]!) : p));
      const [row] = await sql.unsafe(`explain (analyze, format json) ${statement!.text}`, parameters as never[]);
      const output = (row as Record<string, unknown>)['QUERY PLAN'];
      const [top] = (typeof output === 'string' ? JSON.parse(output) : output) as [{ Plan: PlanNode }];
      // Rows each scan looked at, kept or filtered out (EXPLAIN gives them per loop).
      const reads = nodes(top.Plan)
        .filter((n) => n['Relation Name'] === 'outbound_messages')
        .map((n) => ({ scan: `${n['Node Type']} ${n['Index Name'] ?? ''}`, rows: (n['Actual Rows'] + (n['Rows Removed by Filter'] ?? 0) + (n['Rows Removed by Index Recheck'] ?? 0)) * n['Actual Loops'] }));
      // Each probe finds the messages its address got automatically (6 in all), whatever else went out today.
      expect(reads.reduce((sum, r) => sum + r.rows, 0), JSON.stringify(reads)).toBeLessThanOrEqual(6);
    } finally {
      await sql.end();
    }
  });
});
