import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntakeOutcome } from '../../src/intake/types.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { testConfig } from '../helpers/test-config.ts';

const corpusDir = testConfig.corpusDir;
const NOT_COMPLAINTS = new Set(['bounce', 'auto-reply', 'mdn']);

describe('the whole dev corpus through intake and Postgres', () => {
  let db: TestDb;
  let app: TestApp;
  const results: { file: string; category: string; outcome: IntakeOutcome }[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db);
    const index = (await fs.readFile(path.join(corpusDir, 'INDEX.tsv'), 'utf8')).trim().split('\n').slice(1);
    for (const line of index) {
      const [file, , category] = line.split('\t') as [string, string, string];
      const raw = await fs.readFile(path.join(corpusDir, 'dev', file));
      results.push({ file, category, outcome: await app.process({ raw, receivedAt: app.clock.now(), source: 'file', sourceRef: file }) });
    }
  }, 180_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  it('takes all 545 messages without a crash, each stored or recognised as a duplicate', () => {
    expect(results).toHaveLength(545);
    expect(results.every((r) => r.outcome.status === 'stored' || r.outcome.status === 'duplicate')).toBe(true);
  });

  it('bounces, auto-replies and read receipts open no case (POLICY: what is not a complaint)', () => {
    const opened = results.filter((r) => NOT_COMPLAINTS.has(r.category) && r.outcome.caseOpened).map((r) => r.file);
    expect(opened).toEqual([]);
  });

  it('keeps the raw bytes of every stored message, quarantined ones with a reason', async () => {
    const [row] = await db.sql`select count(*)::int as n, count(*) filter (where raw is null or octet_length(raw) = 0)::int as empty,
      count(*) filter (where kind = 'quarantined' and quarantine_reason is null)::int as unexplained from inbound_messages`;
    expect(row).toMatchObject({ empty: 0, unexplained: 0 });
    const stored = results.filter((r) => r.outcome.status === 'stored').length;
    expect(row!.n).toBe(stored);
    const perKind = await db.sql`select kind, count(*)::int as n from inbound_messages group by kind order by n desc`;
    const quarantined = await db.sql`select source_ref, quarantine_reason from inbound_messages where kind = 'quarantined' order by source_ref`;
    console.log(
      [
        'corpus intake summary',
        ...perKind.map((k) => `  ${k.kind}: ${k.n}`),
        `  duplicates (same Message-ID as an earlier file): ${results.length - stored}`,
        ...quarantined.map((q) => `  quarantined ${q.source_ref}: ${q.quarantine_reason}`),
      ].join('\n'),
    );
  });
});
