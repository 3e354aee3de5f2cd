import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Sql } from '../../src/db/pool.ts';
import { intakeBatch } from '../../src/intake/intake.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, silentLog, type TestDb } from '../helpers/db.ts';
import { rawMail } from '../helpers/e2e.ts';

/**
 * PostgreSQL caches a generic plan for a prepared statement after its fifth run. Made while
 * `customers` was small, the plan for "these addresses" reads the whole table; kept until an
 * ANALYZE (never, with autovacuum off), it reads every customer for every batch as the table
 * grows. The intake plans its reads afresh.
 */
describe('issue 9: intake reads as the tables grow between two ANALYZEs', () => {
  let db: TestDb;
  let app: TestApp;
  let one: Sql;
  let n = 0;

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db);
    // One connection: postgres.js prepares each statement once per connection, and the plan is that connection's.
    one = createPool(db.url, silentLog, 1);
  });
  afterAll(async () => {
    await one.end();
    await app.close();
    await db.drop();
  });

  const batch = (size: number) =>
    intakeBatch(
      { ...app.intake, sql: one },
      Array.from({ length: size }, () => {
        n += 1;
        const raw = rawMail({ from: `grower${n}@customers.test`, subject: `No dial tone ${n}`, body: 'My landline has had no dial tone for a week and nobody has come to repair it.' }, `grow-${n}@customers.test`, app.clock.now());
        return { raw: Buffer.from(raw), receivedAt: app.clock.now(), source: 'file' as const, sourceRef: `grow-${n}` };
      }),
    );

  /** Rows read by sequential scans of `customers`, as the server counts them (the app's connection reports its counts first). */
  const scanned = async () => {
    await one`select pg_stat_force_next_flush()`;
    const [row] = await one<[{ n: string }]>`select seq_tup_read::text as n from pg_stat_user_tables where relname = 'customers'`;
    return Number(row.n);
  };

  it('a batch of new complaints reads no customer row by a sequential scan once customers holds 20,000 rows the statistics have not seen', async () => {
    for (let i = 0; i < 8; i += 1) await batch(10);
    await db.sql`insert into customers (email) select 'earlier-' || g || '@customers.test' from generate_series(1, 20000) g`;
    const before = await scanned();
    const outcomes = await batch(10);
    expect(outcomes.map((o) => [o.status, o.kind, o.caseOpened])).toEqual(Array.from({ length: 10 }, () => ['stored', 'complaint', true]));
    expect((await scanned()) - before).toBe(0);
  });
});
