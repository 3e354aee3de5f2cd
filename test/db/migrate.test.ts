import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listMigrations, migrate } from '../../src/db/migrate.ts';
import { createTestDb, silentLog, type TestDb } from '../helpers/db.ts';

describe('migrations', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(() => db.drop());

  it('are numbered without gaps and all applied to the template', async () => {
    const files = await listMigrations();
    const rows = await db.sql<{ version: number }[]>`select version from schema_migrations order by version`;
    expect(rows.map((r) => r.version)).toEqual(files.map((m) => m.version));
  });

  it('running again applies nothing', async () => {
    expect(await migrate(db.sql, silentLog)).toEqual([]);
  });

  it('R18: case history refuses updates and deletes', async () => {
    await expect(db.sql`update case_history set actor = 'x'`).resolves.toBeDefined();
    const [c] = await db.sql`insert into customers (email) values ('a@example.com') returning id`;
    const [k] = await db.sql`insert into cases (reference, token, customer_id, received_at) values ('CMP-2026-000001', 'aaaaaaaaaaaaaaaa', ${c!.id}, now()) returning id`;
    await db.sql`insert into case_history (case_id, at, actor, event) values (${k!.id}, now(), 'system', 'case.opened')`;
    await expect(db.sql`update case_history set actor = 'x'`).rejects.toThrow(/append-only/);
    await expect(db.sql`delete from case_history`).rejects.toThrow(/append-only/);
  });
});
