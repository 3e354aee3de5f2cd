import postgres from 'postgres';
import type { Logger } from '../log.ts';

export type Sql = postgres.Sql<{ bigint: bigint }>;
/** A transaction: what a function that locks rows or writes several tables together must be handed. */
export type Tx = postgres.TransactionSql<{ bigint: bigint }>;
/** A connection or transaction: what a plain read (or a single-statement write) takes. */
export type Db = Sql | Tx;

/** Sees each statement as it goes to the server, with its parameters and their type oids (postgres.js `debug`). */
export type QueryObserver = (query: string, parameters: readonly unknown[], types: readonly number[]) => void;

/**
 * The one pool. bigint columns come back as BigInt so UIDVALIDITY and ids never lose precision.
 * `observe` is for tests that check every statement a path runs (their plans).
 */
export function createPool(url: string, log: Logger, max = 10, observe?: QueryObserver): Sql {
  return postgres(url, {
    max,
    debug: observe ? (_connection, query, parameters, types) => observe(query, parameters, types as number[]) : false,
    onnotice: (notice) => log.debug({ notice: notice.message }, 'postgres notice'),
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (v: bigint | number | string) => v.toString(),
        parse: (v: string) => BigInt(v),
      },
      // A string bound to json/jsonb is taken as JSON text already (pg-boss serialises its own);
      // anything else is serialised here.
      json: {
        to: 114,
        from: [114, 3802],
        serialize: (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v)),
        parse: (v: string) => JSON.parse(v) as unknown,
      },
    },
    // Short queries over indexes: PostgreSQL's JIT compiles each costly query anew, and that cost
    // more than it saved (the digest at 100k open cases: 2.9 s with it, 2.2 s without).
    connection: { application_name: 'redress', jit: 'off' },
  }) as Sql;
}

/** `n` ids from a sequence, in order: a batch knows its rows' ids before it inserts them (and rows pointing at them). */
export async function nextIds(tx: Tx, sequence: string, n: number): Promise<bigint[]> {
  if (n === 0) return [];
  const rows = await tx<{ id: bigint }[]>`select nextval(${sequence}::regclass) as id from generate_series(1, ${n})`;
  return rows.map((r) => r.id);
}

/**
 * Inside a transaction: plan each statement that follows for its own parameters and for the
 * tables as they are now (`fresh`), or go back to PostgreSQL's cached plans. A lookup such as
 * `email = any($1)`, prepared while its table was small, keeps a generic plan that reads the
 * whole table as it grows until an ANALYZE replaces it (never, with autovacuum off). Writes
 * keep the cached plans: foreign-key checks are cached plans too, and planning each anew made
 * the batch inserts four times slower.
 */
export async function planFresh(tx: Tx, fresh: boolean): Promise<void> {
  await (fresh ? tx`set local plan_cache_mode = force_custom_plan` : tx`set local plan_cache_mode = default`);
}
