import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.ts';

describe('the database pool', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.drop());

  it("runs its sessions without PostgreSQL's JIT, whatever the server's default, and names itself redress", async () => {
    const rows = await Promise.all(Array.from({ length: 3 }, () => db.sql<[{ jit: string; app: string }]>`select current_setting('jit') as jit, current_setting('application_name') as app`));
    expect(rows.map(([r]) => r)).toEqual(Array.from({ length: 3 }, () => ({ jit: 'off', app: 'redress' })));
  });
});
