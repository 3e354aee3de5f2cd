import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../src/config.ts';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { createPool } from '../src/db/pool.ts';
import { migrate } from '../src/db/migrate.ts';
import { startBoss } from '../src/jobs/boss.ts';
import { createLogger } from '../src/log.ts';
import { freePort } from './helpers/ports.ts';
import { testConfig } from './helpers/test-config.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
    templateDb: string;
  }
}

/**
 * Tests use DATABASE_URL when set; otherwise an embedded Postgres in a temp dir, so a
 * fresh machine needs no set-up. Migrations run once into a template database that each
 * test file clones.
 */
export default async function setup(project: TestProject) {
  const config = loadConfig({ DATABASE_URL: testConfig.databaseUrl, LOG_LEVEL: 'silent' });
  const log = createLogger(config.LOG_LEVEL);
  let adminUrl = config.DATABASE_URL;
  let stopServer = async () => {};
  let dataDir: string | undefined;
  if (!adminUrl) {
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-test-pg-'));
    const server = await startEmbeddedPostgres(dataDir, await freePort(), log);
    adminUrl = server.url;
    stopServer = server.stop;
  }
  const templateDb = `redress_template_${process.pid}`;
  const admin = createPool(adminUrl, log, 1);
  await admin.unsafe(`drop database if exists "${templateDb}"`);
  await admin.unsafe(`create database "${templateDb}"`);
  const templateUrl = withDatabase(adminUrl, templateDb);
  const template = createPool(templateUrl, log, 1);
  await migrate(template, log);
  // pg-boss installs its schema and queues once here, so each cloned test database starts with them.
  const boss = await startBoss(template, log, { retryLimit: 2, retryDelaySeconds: 1, sendExpireSeconds: 60, worker: false });
  await boss.stop({ graceful: false, close: false, wait: true });
  await template.end();
  project.provide('adminUrl', adminUrl);
  project.provide('templateDb', templateDb);

  return async () => {
    await admin.unsafe(`drop database if exists "${templateDb}" with (force)`).catch(() => {});
    await admin.end();
    await stopServer();
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  };
}

export function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
