import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntakeOutcome } from '../../src/intake/types.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { classCounts, corpusFiles, expectedClasses, knownMisses, threadedInIntake } from '../helpers/corpus-classes.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { corpusDir } from '../helpers/fixtures.ts';

/**
 * 77 files carry the Message-ID of an earlier file. One is the same message (same content
 * after the delivery trace): a duplicate, stored once. The other 76 are different messages
 * that reuse a Message-ID: each is stored as its own message and flagged as a collision.
 */
const DUPLICATES = 1;
const COLLISIONS = 76;

describe('the whole dev corpus through intake and Postgres', () => {
  let db: TestDb;
  let app: TestApp;
  // A follow-up to an earlier corpus message from its own sender joins that case; from anyone else it is a stranger's.
  const expected = new Map([...expectedClasses(), ...threadedInIntake()]);
  const results: { file: string; outcome: IntakeOutcome }[] = [];

  beforeAll(async () => {
    db = await createTestDb();
    app = await createTestApp(db);
    for (const file of corpusFiles()) {
      const raw = await fs.readFile(path.join(corpusDir(), 'dev', file));
      results.push({ file, outcome: await app.process({ raw, receivedAt: app.clock.now(), source: 'file', sourceRef: file }) });
    }
  }, 180_000);
  afterAll(async () => {
    await app.close();
    await db.drop();
  });

  const stored = () => results.filter((r) => r.outcome.status === 'stored');

  it('takes all 545 messages, each stored once; a reused Message-ID with other content is a new message, flagged', async () => {
    expect(results).toHaveLength(545);
    expect(results.filter((r) => r.outcome.status === 'duplicate')).toHaveLength(DUPLICATES);
    expect(stored()).toHaveLength(545 - DUPLICATES);
    const [row] = await db.sql<[{ n: number }]>`select count(*)::int as n from inbound_messages where collides_with is not null`;
    expect(row.n).toBe(COLLISIONS);
  });

  it('stores each message with its reviewed class, the known misses exactly as listed (POLICY: what is not a complaint)', () => {
    const rows = stored().map((r) => ({ file: r.file, expected: expected.get(r.file) ?? '?', actual: r.outcome.kind as string }));
    console.log(['corpus intake: stored messages per class', classCounts(rows)].join('\n'));
    const storedFiles = new Set(rows.map((r) => r.file));
    expect(rows.filter((r) => r.actual !== r.expected)).toEqual(knownMisses().filter((m) => storedFiles.has(m.file)));
  });

  it('opens a case for each stored complaint and for nothing else (R1)', async () => {
    const opened = stored().filter((r) => r.outcome.caseOpened).map((r) => r.file);
    expect(opened).toEqual(stored().filter((r) => r.outcome.kind === 'complaint').map((r) => r.file));
    const [row] = await db.sql<[{ n: number }]>`select count(*)::int as n from cases`;
    expect(row.n).toBe(opened.length);
  });

  it('keeps the raw bytes of every stored message, quarantined ones with a reason', async () => {
    const [row] = await db.sql`select count(*)::int as n, count(*) filter (where raw is null or octet_length(raw) = 0)::int as empty,
      count(*) filter (where kind = 'quarantined' and quarantine_reason is null)::int as unexplained from inbound_messages`;
    expect(row).toMatchObject({ n: stored().length, empty: 0, unexplained: 0 });
  });
});
