import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openApp, type App } from '../../src/app.ts';
import { manualClock } from '../../src/clock.ts';
import { loadConfig } from '../../src/config.ts';
import type { QueryObserver } from '../../src/db/pool.ts';
import { silentLog, type TestDb } from './db.ts';

export type TestClock = ReturnType<typeof manualClock>;

/** The authserv-id of the MTA the tests pretend sits in front of every mailbox. */
export const TEST_AUTHSERV_ID = 'mx.redress.test';

export interface TestApp extends App {
  clock: TestClock;
  dataDir: string;
}

/** The production composition root over a test database, a hand-moved clock and a temp data dir; `observeQueries` sees every statement. */
export async function createTestApp(db: TestDb, env: Record<string, string> = {}, start = '2026-11-02T10:00:00Z', observeQueries?: QueryObserver): Promise<TestApp> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-app-'));
  const config = loadConfig({ DATABASE_URL: db.url, REDRESS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS: 'complaints@redress.test', ...(env.IMAP_URL ? { AUTHSERV_ID: TEST_AUTHSERV_ID } : {}), ...env });
  const clock = manualClock(start);
  const app = await openApp(config, { log: silentLog, clock, observeQueries });
  return {
    ...app,
    clock,
    dataDir,
    close: async () => {
      await app.close();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}
