import type postgres from 'postgres';
import type { Sql } from '../db/pool.ts';

/**
 * One worker per mailbox: a Postgres session advisory lock keyed on the mailbox identity
 * (`user@host:port/MAILBOX`), held on a reserved connection for as long as the worker works.
 * If that connection dies the lock goes with it, which `isHeld()` notices.
 */
export interface MailboxLock {
  /** Takes the lock if it is free; false when another worker holds it. */
  tryAcquire(): Promise<boolean>;
  /** Whether this worker still holds it (its connection may have dropped). */
  isHeld(): Promise<boolean>;
  release(): Promise<void>;
}

export function createMailboxLock(sql: Sql, identity: string): MailboxLock {
  let conn: postgres.ReservedSql<{ bigint: bigint }> | undefined;

  const drop = () => {
    conn?.release();
    conn = undefined;
  };

  return {
    tryAcquire: async () => {
      if (conn) return true;
      const reserved = await sql.reserve();
      try {
        const [row] = await reserved<[{ ok: boolean }?]>`
          select pg_try_advisory_lock(hashtextextended(${identity}, 0)) as ok`;
        if (row?.ok) {
          conn = reserved;
          return true;
        }
      } catch (err) {
        reserved.release();
        throw err;
      }
      reserved.release();
      return false;
    },
    isHeld: async () => {
      if (!conn) return false;
      try {
        const [row] = await conn<[{ held: boolean }?]>`
          select exists(
            select 1 from pg_locks
             where locktype = 'advisory' and granted and pid = pg_backend_pid() and objsubid = 1
               and ((classid::bigint << 32) | objid::bigint) = hashtextextended(${identity}, 0)
          ) as held`;
        if (row?.held) return true;
      } catch {
        // the connection is gone, and the lock with it
      }
      drop();
      return false;
    },
    release: async () => {
      if (!conn) return;
      try {
        await conn`select pg_advisory_unlock(hashtextextended(${identity}, 0))`;
      } catch {
        // a dead connection has already let go of the lock
      }
      drop();
    },
  };
}
