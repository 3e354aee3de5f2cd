import type { Db } from '../db/pool.ts';
import { RedressError } from '../errors.ts';

/** Where the IMAP intake has got to in one mailbox (table mailbox_cursors). */
export interface MailboxCursor {
  mailbox: string;
  uidValidity: bigint;
  lastUid: bigint;
}

export async function getCursor(db: Db, mailbox: string): Promise<MailboxCursor | undefined> {
  const [row] = await db<[{ uid_validity: bigint; last_uid: bigint }?]>`
    select uid_validity, last_uid from mailbox_cursors where mailbox = ${mailbox}`;
  return row && { mailbox, uidValidity: row.uid_validity, lastUid: row.last_uid };
}

/** Starts the mailbox over: a first sight, or a new UIDVALIDITY that makes every stored UID meaningless. */
export async function resetCursor(db: Db, mailbox: string, uidValidity: bigint): Promise<void> {
  await db`
    insert into mailbox_cursors (mailbox, uid_validity, last_uid)
    values (${mailbox}, ${uidValidity}, 0)
    on conflict (mailbox) do update
      set uid_validity = excluded.uid_validity, last_uid = 0, highest_modseq = null, updated_at = now()`;
}

/**
 * Moves the cursor up to `uid` (never back). Run inside the intake transaction, so the message
 * and the cursor commit together. Refuses (retryably, rolling the transaction back) when the
 * cursor no longer belongs to this UIDVALIDITY.
 */
export async function advanceCursor(db: Db, mailbox: string, uidValidity: bigint, uid: number): Promise<void> {
  const rows = await db`
    update mailbox_cursors
       set last_uid = greatest(last_uid, ${uid}::bigint), updated_at = now()
     where mailbox = ${mailbox} and uid_validity = ${uidValidity}
    returning last_uid`;
  if (rows.length === 0) {
    throw new RedressError('conflict', `cursor for ${mailbox} is not at UIDVALIDITY ${uidValidity}: reopening the mailbox`, {
      retryable: true,
      context: { mailbox, uid },
    });
  }
}
