import type { FetchMessageObject, ImapFlow, Logger as ImapFlowLogger } from 'imapflow';
import type { Sql } from '../db/pool.ts';
import { RedressError, errorMessage, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { AccessTokens } from '../oauth2/access-tokens.ts';
import { advanceCursor, getCursor, resetCursor } from './cursor-repo.ts';
import { imapflowLogger, openSession, parseImapUrl, sleep, type MailboxAddress, type Session } from './imap-session.ts';
import { createMailboxLock, type MailboxLock } from './mailbox-lock.ts';
import type { BatchIntake, IntakeInput, PreparedBatch, ProcessMessage } from './types.ts';

export interface ImapSourceOptions {
  url: string;
  processedFolder: string;
  pollSeconds: number;
  batchSize: number;
  tlsVerify: boolean;
  /** Messages processed side by side, in lanes by sender. */
  concurrency: number;
  /** Sign in with OAuth2 access tokens (IMAP_AUTH=oauth2); the URL then carries no password. */
  oauth2?: AccessTokens;
}

export interface DrainStats {
  fetched: number;
  stored: number;
  duplicates: number;
  moved: number;
  /** Messages whose processing failed for good: left in the mailbox, flagged FAILED_KEYWORD. */
  failed: number;
}

export interface ImapSourceDeps {
  sql: Sql;
  log: Logger;
  /** One message in its own transaction (quarantined if it fails for good). */
  process: ProcessMessage;
  /**
   * A fetch batch in one transaction, the next one fetched and prepared while it commits; when
   * absent, or when a batch fails for good, messages go one at a time through `process`.
   */
  batch?: BatchIntake;
  /** Test seam: runs after a message's transaction committed and before it is flagged and moved. */
  hooks?: { afterCommit?(uid: number): void | Promise<void> };
}

/** Where `run` is: reading the mailbox, standing by behind another worker's lock, (re)connecting, or not running. */
export type ImapStatus = 'connected' | 'standby' | 'connecting' | 'stopped';

export interface ImapSource {
  /** Connect, take the lock, drain the mailbox once, release, disconnect. */
  drainOnce(): Promise<DrainStats>;
  /** Works until the signal aborts, then finishes the message in hand, releases the lock and logs out. */
  run(signal: AbortSignal): Promise<void>;
  /** For readiness: what `run` is doing now. */
  status(): ImapStatus;
}

/** Keyword on a message that failed for good, so it is not offered again on every drain. */
export const FAILED_KEYWORD = '$RedressFailed';
const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Longest IDLE before a poll, under imapflow's 5-minute socket inactivity timeout. */
const MAX_WAIT_MS = 240_000;

export function createImapSource(deps: ImapSourceDeps, opts: ImapSourceOptions): ImapSource {
  const addr = parseImapUrl(opts.url, opts.oauth2 ? 'oauth2' : 'password');
  if (opts.processedFolder === addr.mailbox) {
    throw new RedressError('imap', `IMAP_PROCESSED_FOLDER must differ from the mailbox read (${addr.mailbox})`);
  }
  const log = deps.log.child({ component: 'imap', mailbox: addr.identity });
  const imapflowLog = imapflowLogger(deps.log.child({ component: 'imapflow', mailbox: addr.identity }));
  const pollMs = Math.min(opts.pollSeconds * 1000, MAX_WAIT_MS);
  const ctx: DrainContext = { deps, opts, addr, log, imapflowLog };
  let status: ImapStatus = 'stopped';

  async function drainOnce(): Promise<DrainStats> {
    const lock = createMailboxLock(deps.sql, addr.identity);
    if (!(await lock.tryAcquire())) {
      log.info('another worker holds the lock on this mailbox; not draining');
      return emptyStats();
    }
    try {
      const session = await openSession(ctx);
      try {
        return await drain(ctx, session);
      } finally {
        await session.close();
      }
    } finally {
      await lock.release();
    }
  }

  async function run(signal: AbortSignal): Promise<void> {
    const lock = createMailboxLock(deps.sql, addr.identity);
    let backoffMs = BACKOFF_MIN_MS;
    status = 'connecting';
    log.info('IMAP intake started');
    try {
      while (!signal.aborted) {
        try {
          if (!(await lock.isHeld())) {
            if (!(await lock.tryAcquire())) {
              if (status !== 'standby') log.info('standby: another worker holds the lock on this mailbox; retrying every poll interval');
              status = 'standby';
              await sleep(pollMs, signal);
              continue;
            }
            log.info('took the mailbox lock');
          }
          status = 'connecting';
          await serve(lock, signal, () => (backoffMs = BACKOFF_MIN_MS));
        } catch (err) {
          status = 'connecting';
          const level = isRetryable(err) ? 'warn' : 'error';
          log[level]({ err: errorMessage(err), retryInMs: backoffMs }, 'IMAP intake failed; trying again after a pause');
          await sleep(backoffMs, signal);
          backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
        }
      }
    } finally {
      status = 'stopped';
      await lock.release();
      log.info('IMAP intake stopped');
    }
  }

  /** One connection: drain, wait for IDLE news or the poll interval, repeat. */
  async function serve(lock: MailboxLock, signal: AbortSignal, healthy: () => void): Promise<void> {
    const session = await openSession(ctx);
    status = 'connected';
    try {
      while (!signal.aborted) {
        if (!(await lock.isHeld())) {
          log.warn('lost the mailbox lock (database connection dropped); taking it again before reading on');
          return;
        }
        const stats = await drain(ctx, session, signal);
        healthy();
        if (stats.fetched > 0) log.info(stats, 'drained mailbox');
        if (signal.aborted) return;
        await session.waitForNews(pollMs, signal);
        if (session.closed) throw new RedressError('imap', 'IMAP connection closed', { retryable: true });
      }
    } finally {
      status = 'connecting';
      await session.close();
    }
  }

  return { drainOnce, run, status: () => status };
}

interface DrainContext {
  deps: ImapSourceDeps;
  opts: ImapSourceOptions;
  addr: MailboxAddress;
  log: Logger;
  imapflowLog: ImapFlowLogger;
}

/**
 * Offers every message in the mailbox to the intake, in UID order and in batches, then flags
 * and moves what committed. Messages at or below the cursor are leftovers from a crash between
 * commit and move: the intake answers 'duplicate' for them and they are moved like the rest.
 */
async function drain(ctx: DrainContext, session: Session, signal?: AbortSignal): Promise<DrainStats> {
  const stats = emptyStats();
  const offered = new Set<number>(); // a message the server failed to move is not offered twice in one drain
  const lastUid = await syncCursor(ctx, session.uidValidity);
  for (;;) {
    session.takeNews();
    const uids = (await pendingUids(session.client)).filter((uid) => !offered.has(uid));
    if (uids.length === 0) return stats;
    const leftovers = offered.size === 0 ? uids.filter((uid) => uid <= lastUid).length : 0;
    if (leftovers > 0) ctx.log.info({ leftovers, lastUid }, 're-offering messages stored earlier but not yet moved');
    for (const uid of uids) offered.add(uid);
    const slices: number[][] = [];
    for (let i = 0; i < uids.length; i += ctx.opts.batchSize) slices.push(uids.slice(i, i + ctx.opts.batchSize));
    // The next batch is fetched (and on the batch path parsed) while this one commits, and a
    // batch is flagged and moved while the next one commits: Dovecot, this process and Postgres
    // each busy at once.
    let next = slices.length > 0 ? fetchBatch(ctx, session, slices[0]!) : undefined;
    let moving: Promise<void> = Promise.resolve();
    try {
      for (let i = 0; i < slices.length && next; i += 1) {
        const batch = await next;
        next = i + 1 < slices.length ? fetchBatch(ctx, session, slices[i + 1]!) : undefined;
        const previous = moving;
        moving = (await drainBatch(ctx, session, batch, stats, signal, previous)).moving;
        await previous;
        if (signal?.aborted) break;
      }
      await moving;
    } finally {
      // On a throw, the move in flight still finishes (or fails) before the session closes.
      await moving.catch(() => undefined);
    }
    if (signal?.aborted) return stats;
  }
}

interface FetchedBatch {
  messages: FetchMessageObject[];
  /** On the batch path: the batch in lanes by sender, each parsed ahead; absent one at a time, or when it could not be prepared. */
  lanes?: PreparedLane[];
}

interface PreparedLane {
  messages: FetchMessageObject[];
  prepared: PreparedBatch;
}

/** Fetches a batch and, on the batch path, prepares it; a rejection waits for the caller's await (no unhandled rejection while the batch before commits). */
function fetchBatch(ctx: DrainContext, session: Session, uids: number[]): Promise<FetchedBatch> {
  const fetched = (async (): Promise<FetchedBatch> => {
    // Fetch the whole batch first: no other IMAP command may run inside a fetch iterator. The
    // envelope only sorts senders into lanes; with one lane, parsing it would be wasted.
    const envelope = ctx.opts.concurrency > 1;
    const messages = (await session.client.fetchAll(uidSet(uids), { uid: true, internalDate: true, source: true, envelope }, { uid: true }))
      .sort((a, b) => a.uid - b.uid);
    const batch = ctx.deps.batch;
    if (!batch || messages.length === 0) return { messages };
    try {
      const prepared: PreparedLane[] = [];
      for (const lane of lanes(messages, ctx.opts.concurrency)) {
        prepared.push({ messages: lane, prepared: await batch.prepare(lane.map((m) => toInput(ctx.addr.mailbox, session.uidValidity, m))) });
      }
      return { messages, lanes: prepared };
    } catch (err) {
      if (isRetryable(err)) throw err;
      ctx.log.warn({ err: errorMessage(err), messages: messages.length }, 'a batch could not be prepared; taking its messages one at a time');
      return { messages };
    }
  })();
  fetched.catch(() => undefined);
  return fetched;
}

/**
 * Commits a batch; returns its \Seen and MOVE, still in flight on the batch path (the caller
 * settles it after the next batch commits). `before` is the previous batch's: a batch that
 * falls back to one message at a time waits for it, so moves stay in UID order.
 */
async function drainBatch(ctx: DrainContext, session: Session, { messages, lanes: prepared }: FetchedBatch, stats: DrainStats, signal: AbortSignal | undefined, before: Promise<void>): Promise<{ moving: Promise<void> }> {
  stats.fetched += messages.length;
  const done = { moving: Promise.resolve() };
  if (prepared) {
    const { rest, moving } = await drainLanes(ctx, session, prepared, stats);
    if (rest.length === 0) return { moving };
    await before;
    await moving;
    await drainOneAtATime(ctx, session, rest, stats, signal);
    return done;
  }
  await before;
  await drainOneAtATime(ctx, session, messages, stats, signal);
  return done;
}

/**
 * The batch path: each lane (the batch's senders split IMAP_CONCURRENCY ways) in one
 * transaction with the cursor, the lanes side by side, then \Seen and MOVE for the UID set
 * that committed, started and returned in flight. Also returns the messages of lanes that
 * failed for good, for the caller to take one at a time (a poison message is then
 * quarantined alone).
 */
async function drainLanes(ctx: DrainContext, session: Session, prepared: PreparedLane[], stats: DrainStats): Promise<{ rest: FetchMessageObject[]; moving: Promise<void> }> {
  const { deps, addr } = ctx;
  const uidValidity = session.uidValidity;
  const results = await Promise.allSettled(
    prepared.map((lane) => {
      const lastUid = Math.max(...lane.messages.map((m) => m.uid));
      return deps.batch!.commit(lane.prepared, (tx) => advanceCursor(tx, addr.identity, uidValidity, lastUid));
    }),
  );
  const committed: number[] = [];
  const rest: FetchMessageObject[] = [];
  let retryLater: unknown;
  results.forEach((result, i) => {
    const lane = prepared[i]!.messages;
    if (result.status === 'fulfilled') {
      for (const o of result.value) stats[o.status === 'duplicate' ? 'duplicates' : 'stored'] += 1;
      committed.push(...lane.map((m) => m.uid));
    } else if (isRetryable(result.reason)) {
      retryLater ??= result.reason;
    } else {
      ctx.log.warn({ err: errorMessage(result.reason), messages: lane.length }, 'a batch failed; taking its messages one at a time');
      rest.push(...lane);
    }
  });
  committed.sort((a, b) => a - b);
  for (const uid of committed) await deps.hooks?.afterCommit?.(uid); // a throw here is a crash: nothing gets moved
  const moving = settle(ctx, session.client, committed, []).then((n) => {
    stats.moved += n;
  });
  moving.catch(() => undefined); // awaited by the caller after the next batch commits
  if (retryLater !== undefined) {
    await moving;
    throw retryLater;
  }
  return { rest, moving };
}

/** One transaction per message, in lanes by sender: the path without a batch intake, and for a batch that failed for good. */
async function drainOneAtATime(ctx: DrainContext, session: Session, messages: FetchMessageObject[], stats: DrainStats, signal?: AbortSignal) {
  const committed: number[] = [];
  const failed: number[] = [];
  let retryLater: unknown;
  const lane = async (queue: FetchMessageObject[]) => {
    for (const message of queue) {
      // Stop on shutdown (the message in hand is finished) or when another lane hit a retryable error.
      if (signal?.aborted || retryLater !== undefined) return;
      let status: 'stored' | 'duplicate' | 'failed';
      try {
        status = await processOne(ctx, session.uidValidity, message);
      } catch (err) {
        retryLater = err;
        return;
      }
      stats[status === 'duplicate' ? 'duplicates' : status] += 1;
      if (status === 'failed') {
        failed.push(message.uid);
        continue;
      }
      await ctx.deps.hooks?.afterCommit?.(message.uid); // a throw here is a crash: nothing gets moved
      committed.push(message.uid);
    }
  };
  await Promise.all(lanes(messages, ctx.opts.concurrency).map(lane));
  stats.moved += await settle(ctx, session.client, committed.sort((a, b) => a - b), failed);
  if (retryLater !== undefined) throw retryLater;
}

/**
 * Messages from one sender stay in order in one lane (a confirmation after its outcome,
 * "not resolved" after "resolved"); different senders are processed side by side. A crash
 * mid-batch leaves uncommitted messages in INBOX, and the next drain offers them again.
 */
export function lanes<T extends { uid: number; envelope?: { from?: { address?: string }[] } }>(messages: T[], count: number): T[][] {
  const bySender = new Map<string, T[]>();
  for (const m of messages) {
    const key = m.envelope?.from?.[0]?.address?.toLowerCase() ?? `uid:${m.uid}`;
    const group = bySender.get(key);
    if (group) group.push(m);
    else bySender.set(key, [m]);
  }
  const result: T[][] = Array.from({ length: Math.max(1, Math.min(count, bySender.size)) }, () => []);
  [...bySender.values()].forEach((group, i) => result[i % result.length]!.push(...group));
  return result.map((l) => l.sort((a, b) => a.uid - b.uid));
}

/** Hands one message to the intake; 'failed' when it failed for good (logged, skipped), throws when it may succeed later. */
async function processOne(ctx: DrainContext, uidValidity: bigint, message: FetchMessageObject): Promise<'stored' | 'duplicate' | 'failed'> {
  const { deps, addr, log } = ctx;
  const uid = message.uid;
  try {
    const outcome = await deps.process(toInput(addr.mailbox, uidValidity, message), (tx) =>
      advanceCursor(tx, addr.identity, uidValidity, uid),
    );
    return outcome.status;
  } catch (err) {
    if (isRetryable(err)) throw err;
    log.error({ uid, uidValidity: String(uidValidity), err: errorMessage(err) }, `message failed; left in the mailbox flagged ${FAILED_KEYWORD}`);
    await advanceCursor(deps.sql, addr.identity, uidValidity, uid);
    return 'failed';
  }
}

function toInput(mailbox: string, uidValidity: bigint, message: FetchMessageObject): IntakeInput {
  const receivedAt = message.internalDate === undefined ? undefined : new Date(message.internalDate);
  if (!message.source || !receivedAt || Number.isNaN(receivedAt.getTime())) {
    throw new RedressError('imap', `the server returned no source or INTERNALDATE for uid ${message.uid}`);
  }
  return { raw: message.source, receivedAt, source: 'imap', sourceRef: `${mailbox};uidvalidity=${uidValidity};uid=${message.uid}` };
}

/** Only after commit: \Seen and move what is stored; mark what failed so it is not offered again. Returns how many moved. */
async function settle(ctx: DrainContext, client: ImapFlow, committed: number[], failed: number[]): Promise<number> {
  if (failed.length > 0 && !(await client.messageFlagsAdd(uidSet(failed), [FAILED_KEYWORD], { uid: true, silent: true }))) {
    ctx.log.warn({ uids: failed }, `could not flag failed messages ${FAILED_KEYWORD}; they will be offered again on the next drain`);
  }
  if (committed.length === 0) return 0;
  const set = uidSet(committed);
  if (!(await client.messageFlagsAdd(set, ['\\Seen'], { uid: true, silent: true }))) {
    throw new RedressError('imap', `could not flag messages ${set} as \\Seen`, { retryable: true });
  }
  const moved = await client.messageMove(set, ctx.opts.processedFolder, { uid: true });
  if (!moved) throw new RedressError('imap', `could not move messages ${set} to ${ctx.opts.processedFolder}`, { retryable: true });
  return moved.uidMap?.size ?? committed.length;
}

/** The last UID handed over at this UIDVALIDITY (0 after a reset). */
async function syncCursor({ deps, addr, log }: DrainContext, uidValidity: bigint): Promise<number> {
  const cursor = await getCursor(deps.sql, addr.identity);
  if (cursor?.uidValidity === uidValidity) return Number(cursor.lastUid);
  if (cursor) {
    log.warn(
      { storedUidValidity: String(cursor.uidValidity), uidValidity: String(uidValidity), lastUid: String(cursor.lastUid) },
      'UIDVALIDITY changed: reading the mailbox from the start (messages already stored count as duplicates)',
    );
  }
  await resetCursor(deps.sql, addr.identity, uidValidity);
  return 0;
}

/** UIDs in the mailbox not marked as failed, ascending. */
async function pendingUids(client: ImapFlow): Promise<number[]> {
  const uids = await client.search({ unKeyword: FAILED_KEYWORD }, { uid: true });
  if (!uids) throw new RedressError('imap', 'SEARCH failed', { retryable: true });
  return [...uids].sort((a, b) => a - b);
}

/** "1:3,7,9:10" from [1,2,3,7,9,10] (sorted). */
export function uidSet(uids: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < uids.length; ) {
    let j = i;
    while (j + 1 < uids.length && uids[j + 1] === (uids[j] ?? 0) + 1) j += 1;
    parts.push(i === j ? `${uids[i]}` : `${uids[i]}:${uids[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}

function emptyStats(): DrainStats {
  return { fetched: 0, stored: 0, duplicates: 0, moved: 0, failed: 0 };
}

