import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AUDIENCES,
  CASE_STATUSES,
  CHANNELS,
  CLOSURE_REASONS,
  DEADLINE_STATUSES,
  FORMATS,
  INTAKE_SOURCES,
  MESSAGE_KINDS,
  OUTBOUND_STATUSES,
  STAFF_ROLES,
} from '../../src/vocabulary.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

/** One vocabulary: every check constraint on a column allows exactly the words src/vocabulary.ts defines for it. */
describe('the vocabulary and the database agree', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db.drop();
  });

  /** The quoted words of the check constraints that mention `column` of `table`. */
  async function allowed(table: string, column: string): Promise<string[]> {
    const rows = await db.sql<{ def: string }[]>`
      select pg_get_constraintdef(c.oid) as def from pg_constraint c
      where c.conrelid = ${table}::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) ~ ${`\\m${column}\\M`}`;
    const def = rows.map((r) => r.def).find((d) => /= ANY|IN \(/i.test(d)) ?? '';
    return [...def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]!).sort();
  }

  it.each([
    ['cases', 'status', CASE_STATUSES],
    ['cases', 'owner_role', STAFF_ROLES],
    ['cases', 'closure_reason', CLOSURE_REASONS],
    ['cases', 'channel', CHANNELS],
    ['staff', 'role', STAFF_ROLES],
    ['customers', 'preferred_format', FORMATS],
    ['inbound_messages', 'kind', MESSAGE_KINDS],
    ['inbound_messages', 'source', INTAKE_SOURCES],
    ['outbound_messages', 'status', OUTBOUND_STATUSES],
    ['outbound_messages', 'audience', AUDIENCES],
    ['deadlines', 'status', DEADLINE_STATUSES],
  ] as const)('%s.%s allows exactly its vocabulary', async (table, column, words) => {
    expect(await allowed(table, column)).toEqual([...words].sort());
  });
});
