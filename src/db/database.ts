import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { startEmbeddedPostgres } from './embedded.ts';
import { createPool, type QueryObserver, type Sql } from './pool.ts';

export interface Database {
  sql: Sql;
  url: string;
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded server under REDRESS_DATA_DIR, with a `redress` database. */
export async function openDatabase(
  config: Pick<Config, 'DATABASE_URL' | 'REDRESS_DATA_DIR' | 'EMBEDDED_PG_PORT'>,
  log: Logger,
  observe?: QueryObserver,
): Promise<Database> {
  if (config.DATABASE_URL) {
    const sql = createPool(config.DATABASE_URL, log, undefined, observe);
    return { sql, url: config.DATABASE_URL, close: () => sql.end({ timeout: 5 }) };
  }
  const server = await startEmbeddedPostgres(config.REDRESS_DATA_DIR, config.EMBEDDED_PG_PORT, log);
  const url = await ensureDatabase(server.url, 'redress', log);
  const sql = createPool(url, log, undefined, observe);
  return {
    sql,
    url,
    close: async () => {
      await sql.end({ timeout: 5 });
      await server.stop();
    },
  };
}

/** Creates `name` on the server at `adminUrl` if missing; returns the URL of that database. */
export async function ensureDatabase(adminUrl: string, name: string, log: Logger): Promise<string> {
  const admin = createPool(adminUrl, log, 1);
  try {
    const [row] = await admin<[{ exists: boolean }?]>`select exists(select 1 from pg_database where datname = ${name}) as exists`;
    if (!row?.exists) {
      await admin.unsafe(`create database "${name}"`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err;
      });
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
