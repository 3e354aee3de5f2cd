import postgres from 'postgres';
import type { Logger } from '../log.ts';

export type Sql = postgres.Sql<{ bigint: bigint }>;
/** A connection or transaction: every repo function takes one of these first. */
export type Db = Sql | postgres.TransactionSql<{ bigint: bigint }>;

/** The one pool. bigint columns come back as BigInt so UIDVALIDITY and ids never lose precision. */
export function createPool(url: string, log: Logger, max = 10): Sql {
  return postgres(url, {
    max,
    onnotice: (notice) => log.debug({ notice: notice.message }, 'postgres notice'),
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (v: bigint | number | string) => v.toString(),
        parse: (v: string) => BigInt(v),
      },
    },
    connection: { application_name: 'redress' },
  }) as Sql;
}
