import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../src/db/embedded.ts';
import { migrate } from '../src/db/migrate.ts';
import { createPool } from '../src/db/pool.ts';
import type { Logger } from '../src/log.ts';
import { freePort } from '../test/helpers/ports.ts';

/** Things to undo at the end, last in first out; each step bounded so a stuck one cannot hold the exit. */
export class Cleanup {
  private readonly steps: { what: string; run: () => Promise<void> }[] = [];
  private running: Promise<string[]> | undefined;

  defer(what: string, run: () => Promise<void>): void {
    this.steps.push({ what, run });
  }

  /** Undoes everything; a second caller (Ctrl-C during the normal end) waits for the same run. */
  runAll(timeoutMs = 20_000): Promise<string[]> {
    this.running ??= this.undo(timeoutMs).finally(() => (this.running = undefined));
    return this.running;
  }

  private async undo(timeoutMs: number): Promise<string[]> {
    const problems: string[] = [];
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await withTimeout(step.run(), timeoutMs, `cleanup: ${step.what}`);
      } catch (err) {
        problems.push(`${step.what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return problems;
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export async function tempDir(cleanup: Cleanup, prefix: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  cleanup.defer(`remove ${dir}`, () => fs.rm(dir, { recursive: true, force: true, maxRetries: 3 }));
  return dir;
}

export interface PgServer {
  adminUrl: string;
  embedded: boolean;
}

/** DATABASE_URL's server when given, else an embedded Postgres in a temp dir on a free port. */
export async function startPgServer(cleanup: Cleanup, databaseUrl: string | undefined, log: Logger): Promise<PgServer> {
  if (databaseUrl) return { adminUrl: databaseUrl, embedded: false };
  const dir = await tempDir(cleanup, 'redress-bench-pg-');
  const server = await startEmbeddedPostgres(dir, await freePort(), log);
  cleanup.defer('stop the embedded Postgres', () => server.stop());
  return { adminUrl: server.url, embedded: true };
}

export interface BenchDatabase {
  name: string;
  url: string;
}

/** A fresh, migrated database, dropped at cleanup. */
export async function freshDatabase(cleanup: Cleanup, server: PgServer, purpose: string, log: Logger): Promise<BenchDatabase> {
  const db = await createDatabase(cleanup, server, purpose, log);
  const sql = createPool(db.url, log, 1);
  try {
    await migrate(sql, log);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return db;
}

/** A copy of `source` (no one may be connected to it), dropped at cleanup. */
export function cloneDatabase(cleanup: Cleanup, server: PgServer, source: BenchDatabase, purpose: string, log: Logger): Promise<BenchDatabase> {
  return createDatabase(cleanup, server, purpose, log, source.name);
}

async function createDatabase(cleanup: Cleanup, server: PgServer, purpose: string, log: Logger, template?: string): Promise<BenchDatabase> {
  const name = `redress_bench_${purpose}_${randomBytes(4).toString('hex')}`;
  const admin = createPool(server.adminUrl, log, 1);
  try {
    await admin.unsafe(`create database "${name}"${template ? ` template "${template}"` : ''}`);
  } finally {
    await admin.end({ timeout: 5 });
  }
  cleanup.defer(`drop database ${name}`, async () => {
    const a = createPool(server.adminUrl, log, 1);
    try {
      await a.unsafe(`drop database if exists "${name}" with (force)`);
    } finally {
      await a.end({ timeout: 5 });
    }
  });
  const u = new URL(server.adminUrl);
  u.pathname = `/${name}`;
  return { name, url: u.toString() };
}
