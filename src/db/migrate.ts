import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RedressError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Sql } from './pool.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));

const MIGRATION_LOCK_KEY = 7_265_737_001;

interface Migration {
  version: number;
  name: string;
  file: string;
}

export async function listMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f)).sort();
  const migrations = files.map((file) => ({ version: Number(file.slice(0, 4)), name: file.slice(5, -4), file: path.join(dir, file) }));
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new RedressError('migration', `migration numbering has a gap or duplicate: expected ${String(i + 1).padStart(4, '0')}, found ${path.basename(m.file)}`);
    }
  });
  return migrations;
}

/** Migrations not applied yet (every one on a fresh database). Reads only: for `redress doctor`. */
export async function pendingMigrations(sql: Sql, dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const [table] = await sql<[{ present: boolean }?]>`select to_regclass('schema_migrations') is not null as present`;
  const applied = table?.present ? new Set((await sql<{ version: number }[]>`select version from schema_migrations`).map((r) => r.version)) : new Set<number>();
  return (await listMigrations(dir)).filter((m) => !applied.has(m.version));
}

/**
 * Forward-only. Each migration runs in its own transaction and records itself first, so
 * two migrators racing collide on the primary key and one fails cleanly.
 */
export async function migrate(sql: Sql, log: Logger, dir = MIGRATIONS_DIR): Promise<number[]> {
  await sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
    await tx`
      create table if not exists schema_migrations (
        version integer primary key,
        name text not null,
        applied_at timestamptz not null default now()
      )`;
  });
  const applied = new Set((await sql<{ version: number }[]>`select version from schema_migrations`).map((r) => r.version));
  const pending = (await listMigrations(dir)).filter((m) => !applied.has(m.version));
  for (const m of pending) {
    const text = await fs.readFile(m.file, 'utf8');
    let ran = false;
    try {
      await sql.begin(async (tx) => {
        // Serialise concurrent migrators (two workers starting at once); the later one finds the work done.
        await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
        const [done] = await tx`select 1 from schema_migrations where version = ${m.version}`;
        if (done) return;
        await tx`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`;
        await tx.unsafe(text);
        ran = true;
      });
    } catch (cause) {
      throw new RedressError('migration', `migration ${path.basename(m.file)} failed: ${(cause as Error).message}`, { cause });
    }
    if (ran) {
      log.info({ version: m.version, name: m.name }, 'migration applied');
      applied.add(m.version);
    }
  }
  return pending.filter((m) => applied.has(m.version)).map((m) => m.version);
}
