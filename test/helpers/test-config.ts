import { fileURLToPath } from 'node:url';

/**
 * The test harness's one reading of the environment (the product's is src/config.ts).
 * shared/ sits beside the repository, in development and in CI alike.
 */
const env = process.env;

export const testConfig = {
  /** Unset: the tests start an embedded Postgres of their own. */
  databaseUrl: env.DATABASE_URL,
  corpusDir: env.REDRESS_CORPUS_DIR ?? fileURLToPath(new URL('../../../shared/corpus/', import.meta.url)),
  dovecotBin: env.DOVECOT_BIN ?? '/usr/sbin/dovecot',
  doveadmBin: env.DOVEADM_BIN ?? 'doveadm',
  path: env.PATH ?? '',
};
