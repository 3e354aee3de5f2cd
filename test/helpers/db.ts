import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createPool, type Sql } from '../../src/db/pool.ts';
import { createLogger } from '../../src/log.ts';
import { withDatabase } from '../global-setup.ts';

export interface TestDb {
  sql: Sql;
  url: string;
  name: string;
  drop(): Promise<void>;
}

export const silentLog = createLogger('silent');

/** A fresh database cloned from the migrated template; drop it in afterAll. */
export async function createTestDb(): Promise<TestDb> {
  const adminUrl = inject('adminUrl');
  const name = `redress_test_${randomBytes(6).toString('hex')}`;
  const admin = createPool(adminUrl, silentLog, 1);
  await admin.unsafe(`create database "${name}" template "${inject('templateDb')}"`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const sql = createPool(url, silentLog);
  return {
    sql,
    url,
    name,
    drop: async () => {
      await sql.end({ timeout: 5 });
      const a = createPool(adminUrl, silentLog, 1);
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}
