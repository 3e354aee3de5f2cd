import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedressError } from '../../src/errors.ts';
import {
  createImapSource,
  FAILED_KEYWORD,
  lanes,
  uidSet,
  type ImapSourceDeps,
  type ImapSourceOptions,
} from '../../src/intake/imap-source.ts';
import { parseImapUrl } from '../../src/intake/imap-session.ts';
import type { BatchIntake, IntakeInput, IntakeOutcome, ProcessMessage } from '../../src/intake/types.ts';

type Commit = BatchIntake['commit'];
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/app.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';
import { startDovecot, type Dovecot } from '../helpers/dovecot.ts';
import { startProxy } from '../helpers/tcp-proxy.ts';
import { waitUntil } from '../helpers/wait.ts';

const waitFor = (what: string, check: () => Promise<boolean>, timeoutMs = 30_000) => waitUntil(what, timeoutMs, check, 25);

const log = createLogger('silent');
let db: TestDb;
let dovecot: Dovecot;
let app: TestApp;

beforeAll(async () => {
  [db, dovecot] = await Promise.all([createTestDb(), startDovecot()]);
  app = await createTestApp(db);
});
afterAll(async () => {
  await app?.close();
  await dovecot?.stop();
  await db?.drop();
});

interface Outcome {
  worker: string;
  uid: number;
  status: 'stored' | 'duplicate';
  at: number;
}

/** Records what each worker's processor answered, and lets a test await a condition on it. */
function tracker() {
  const outcomes: Outcome[] = [];
  const waiters = new Set<() => void>();
  const inFlight = new Map<string, number>();
  let overlapped = false;
  const record = (worker: string, inputs: readonly IntakeInput[], outs: readonly IntakeOutcome[]) => {
    inputs.forEach((input, i) => outcomes.push({ worker, uid: Number(/uid=(\d+)/.exec(input.sourceRef ?? '')?.[1]), status: outs[i]!.status as Outcome['status'], at: Date.now() }));
    for (const w of waiters) w();
  };
  const during = async <T>(worker: string, fn: () => Promise<T>): Promise<T> => {
    if ([...inFlight].some(([w, n]) => w !== worker && n > 0)) overlapped = true;
    inFlight.set(worker, (inFlight.get(worker) ?? 0) + 1);
    try {
      return await fn();
    } finally {
      inFlight.set(worker, (inFlight.get(worker) ?? 1) - 1);
    }
  };
  /** The app's processors for one worker, recording what they answered. */
  const wrap = (worker: string): { process: ProcessMessage; commit: Commit } => ({
    process: (input, afterStore) => during(worker, async () => {
      const out = await app.process(input, afterStore);
      record(worker, [input], [out]);
      return out;
    }),
    commit: (prepared, afterStore) => during(worker, async () => {
      const outs = await app.batch.commit(prepared, afterStore);
      record(worker, prepared.inputs, outs);
      return outs;
    }),
  });
  const until = (what: string, done: (o: Outcome[]) => boolean, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!done(outcomes)) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  const count = (status: Outcome['status']) => outcomes.filter((o) => o.status === status).length;
  return { outcomes, wrap, until, count, overlapped: () => overlapped };
}

const freshUser = () => `u${randomBytes(5).toString('hex')}`;

function mail(tag: string, n: number, body = `My broadband has been down for ${n} days and nobody has called back.`): string {
  return [
    `From: Customer ${n} <customer${n}@example.com>`,
    'To: complaints@redress.localhost',
    `Subject: ${tag} complaint ${n}`,
    `Message-ID: <${tag}.${n}@example.com>`,
    'Date: Mon, 05 Jan 2026 10:00:00 +0000',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
    '',
  ].join('\r\n');
}

/** The IMAP source as the worker runs it: the batch path, falling back to one message at a time. */
function source(
  user: string,
  opts: Partial<ImapSourceOptions> & { process?: ProcessMessage; prepare?: BatchIntake['prepare']; commit?: Commit; oneAtATime?: boolean; hooks?: ImapSourceDeps['hooks'] } = {},
) {
  const { process: processMessage = app.process, prepare = app.batch.prepare, commit = app.batch.commit, oneAtATime, hooks, ...rest } = opts;
  return createImapSource(
    { sql: db.sql, log, process: processMessage, ...(oneAtATime ? {} : { batch: { prepare, commit } }), hooks },
    { url: dovecot.url(user), processedFolder: 'Processed', pollSeconds: 1, batchSize: 50, tlsVerify: true, concurrency: 1, ...rest },
  );
}

function running(src: { run(signal: AbortSignal): Promise<void> }) {
  const ac = new AbortController();
  const done = src.run(ac.signal);
  return { done, stop: async () => (ac.abort(), await done) };
}

/** Rows stored for one test's messages (every message of a test carries its user name as tag). */
async function rows(tag: string) {
  return db.sql<{ identity: string; received_at: Date; source_ref: string }[]>`
    select identity, received_at, source_ref from inbound_messages
     where position(${Buffer.from(tag)}::bytea in raw) > 0 order by id`;
}

async function cursor(user: string) {
  const [row] = await db.sql<[{ uid_validity: bigint; last_uid: bigint }?]>`
    select uid_validity, last_uid from mailbox_cursors where mailbox = ${`${user}@127.0.0.1:${dovecot.port}/INBOX`}`;
  return row;
}

async function advisoryLocksHere(): Promise<number> {
  const [row] = await db.sql<[{ n: number }]>`
    select count(*)::int as n from pg_locks
     where locktype = 'advisory' and granted and database = (select oid from pg_database where datname = current_database())`;
  return row.n;
}

describe('IMAP intake', () => {
  it('stores each new message once with INTERNALDATE as its receipt time, then flags it \\Seen and moves it to Processed (POLICY: receipt time)', async () => {
    const user = freshUser();
    const dates = [new Date('2025-03-14T09:26:53Z'), new Date('2025-12-24T23:59:59Z'), new Date('2026-01-02T08:00:00Z')];
    for (const [i, internalDate] of dates.entries()) await dovecot.append(user, mail(user, i), { internalDate });
    const uidValidity = await dovecot.uidValidity(user, 'INBOX');

    const stats = await source(user).drainOnce();

    expect(stats).toEqual({ fetched: 3, stored: 3, duplicates: 0, moved: 3, failed: 0 });
    const stored = await rows(user);
    expect(stored.map((r) => r.received_at.toISOString())).toEqual(dates.map((d) => d.toISOString()));
    expect(stored.map((r) => r.source_ref)).toEqual([1, 2, 3].map((uid) => `INBOX;uidvalidity=${uidValidity};uid=${uid}`));
    expect(await dovecot.list(user, 'INBOX')).toEqual([]);
    const processed = await dovecot.list(user, 'Processed');
    expect(processed).toHaveLength(3);
    for (const m of processed) expect(m.flags).toContain('\\Seen');
    expect(await cursor(user)).toEqual({ uid_validity: BigInt(uidValidity), last_uid: 3n });
    expect(await source(user).drainOnce()).toEqual({ fetched: 0, stored: 0, duplicates: 0, moved: 0, failed: 0 });
  });

  it('stores a batch exactly once when the worker crashes between its commit and the move', async () => {
    const user = freshUser();
    await dovecot.append(user, mail(user, 1));
    await dovecot.append(user, mail(user, 2));

    const crashing = source(user, {
      hooks: {
        afterCommit: (uid) => {
          if (uid === 1) throw new Error('simulated crash after commit');
        },
      },
    });
    await expect(crashing.drainOnce()).rejects.toThrow('simulated crash after commit');
    expect(await rows(user)).toHaveLength(2); // the batch committed as one
    expect((await cursor(user))?.last_uid).toBe(2n);
    expect((await dovecot.list(user, 'INBOX')).map((m) => m.uid)).toEqual([1, 2]); // neither flagged nor moved

    const stats = await source(user).drainOnce();

    expect(stats).toEqual({ fetched: 2, stored: 0, duplicates: 2, moved: 2, failed: 0 });
    expect(await rows(user)).toHaveLength(2);
    expect(await dovecot.list(user, 'INBOX')).toEqual([]);
    expect(await dovecot.list(user, 'Processed')).toHaveLength(2);
  });

  it('stores a message delivered twice once, and moves both copies', async () => {
    const user = freshUser();
    await dovecot.append(user, mail(user, 1));
    await dovecot.append(user, mail(user, 1));

    const stats = await source(user).drainOnce();

    expect(stats).toEqual({ fetched: 2, stored: 1, duplicates: 1, moved: 2, failed: 0 });
    expect(await rows(user)).toHaveLength(1);
    expect(await dovecot.list(user, 'INBOX')).toEqual([]);
    expect(await dovecot.list(user, 'Processed')).toHaveLength(2);
  });

  it('re-reads the mailbox after a UIDVALIDITY change without duplicating anything, and new mail still flows', async () => {
    const user = freshUser();
    await dovecot.append(user, mail(user, 1));
    await source(user).drainOnce();
    // message 2 is stored but, after a crash, left in INBOX at a UID the new UIDVALIDITY makes meaningless
    await dovecot.append(user, mail(user, 2));
    const crash = () => Promise.reject(new Error('simulated crash after commit'));
    await expect(source(user, { hooks: { afterCommit: crash } }).drainOnce()).rejects.toThrow('simulated crash');
    const before = await dovecot.uidValidity(user, 'INBOX');
    await dovecot.setUidValidity(user, 'INBOX', before + 1000);
    await dovecot.append(user, mail(user, 3));

    const stats = await source(user).drainOnce();

    expect(stats).toEqual({ fetched: 2, stored: 1, duplicates: 1, moved: 2, failed: 0 });
    expect(await rows(user)).toHaveLength(3);
    expect(await cursor(user)).toEqual({ uid_validity: BigInt(before + 1000), last_uid: 3n });
    expect(await dovecot.list(user, 'INBOX')).toEqual([]);
    expect(await dovecot.list(user, 'Processed')).toHaveLength(3);
  });

  it('keeps running across a UIDVALIDITY change while connected (the server drops the session; the worker reconnects)', async () => {
    const user = freshUser();
    const t = tracker();
    await dovecot.append(user, mail(user, 1));
    const worker = running(source(user, t.wrap('a')));
    try {
      await t.until('message 1 stored', () => t.count('stored') === 1);
      await waitFor('message 1 moved', async () => (await dovecot.list(user, 'Processed')).length === 1);
      const before = await dovecot.uidValidity(user, 'INBOX');
      await dovecot.setUidValidity(user, 'INBOX', before + 7);
      await dovecot.append(user, mail(user, 2));

      await t.until('message 2 stored', () => t.count('stored') === 2);
      await waitFor('message 2 moved', async () => (await dovecot.list(user, 'Processed')).length === 2);
      expect(await rows(user)).toHaveLength(2);
      expect((await cursor(user))?.uid_validity).toBe(BigInt(before + 7));
    } finally {
      await worker.stop();
    }
  });

  it('reconnects after the connection drops in the middle of a fetch, and stores every message exactly once', async () => {
    const user = freshUser();
    const padding = 'The line has been dropping every evening since the engineer visited. '.repeat(110); // ~8 KB
    for (let i = 1; i <= 300; i += 1) await dovecot.append(user, mail(user, i, padding));
    const proxy = await startProxy(dovecot.port);
    const t = tracker();
    // each batch of 100 is ~830 KB on the wire: 1.2 MB cuts the second batch's FETCH in half
    const dropped = proxy.dropWhen((bytes) => bytes > 1_200_000);
    const worker = running(
      source(user, { url: dovecot.url(user, 'INBOX', proxy.port), batchSize: 100, ...t.wrap('a') }),
    );
    try {
      await dropped;
      await t.until('all 300 stored', () => t.count('stored') === 300);
      await waitFor('INBOX empty', async () => (await dovecot.list(user, 'INBOX')).length === 0);
      // The second batch is fetched while the first commits: the first committed, but its move
      // queued behind the cut FETCH, so the next session finds those 100 stored and moves them.
      expect(t.count('duplicate')).toBe(100);
      expect(t.outcomes.filter((o) => o.status === 'duplicate').map((o) => o.uid)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(proxy.connections).toBeGreaterThanOrEqual(2);
      expect(new Set((await rows(user)).map((r) => r.identity)).size).toBe(300);
      expect(await rows(user)).toHaveLength(300);
      expect(await dovecot.list(user, 'Processed')).toHaveLength(300);
    } finally {
      await worker.stop();
      await proxy.stop();
    }
  });

  it('reconnects when the server drops an idle session, and goes on storing new mail', async () => {
    const user = freshUser();
    const t = tracker();
    await dovecot.append(user, mail(user, 1));
    const worker = running(source(user, { pollSeconds: 60, ...t.wrap('a') }));
    try {
      await t.until('message 1 stored', () => t.count('stored') === 1);
      await waitFor('message 1 moved', async () => (await dovecot.list(user, 'Processed')).length === 1);
      await dovecot.kick(user);
      await dovecot.append(user, mail(user, 2));
      await t.until('message 2 stored', () => t.count('stored') === 2);
      await waitFor('message 2 moved', async () => (await dovecot.list(user, 'Processed')).length === 2);
      expect(await rows(user)).toHaveLength(2);
    } finally {
      await worker.stop();
    }
  });

  it('lets only one of two workers on a mailbox hold the lock; the other stands by and takes over when it stops', async () => {
    const user = freshUser();
    for (let i = 1; i <= 200; i += 1) await dovecot.append(user, mail(user, i));
    const t = tracker();
    const workers = new Map(
      ['a', 'b'].map((name) => [name, running(source(user, { batchSize: 25, ...t.wrap(name) }))]),
    );
    try {
      await t.until('200 stored', () => t.count('stored') === 200);
      expect(await advisoryLocksHere()).toBe(1);
      expect(t.overlapped()).toBe(false);
      const holders = new Set(t.outcomes.map((o) => o.worker));
      expect(holders.size).toBe(1);
      expect(t.outcomes).toHaveLength(200);
      expect(await rows(user)).toHaveLength(200);

      const [holder] = [...holders];
      const standby = holder === 'a' ? 'b' : 'a';
      await workers.get(holder!)!.stop();
      await dovecot.append(user, mail(user, 201));
      await t.until('message 201 stored by the standby worker', () => t.outcomes.some((o) => o.worker === standby && o.status === 'stored'));
      expect(await rows(user)).toHaveLength(201);
      expect(await advisoryLocksHere()).toBe(1);
    } finally {
      await Promise.all([...workers.values()].map((w) => w.stop()));
    }
    expect(await advisoryLocksHere()).toBe(0);
  });

  it('drainOnce does nothing while another worker holds the lock', async () => {
    const user = freshUser();
    await dovecot.append(user, mail(user, 1));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const slow: Commit = async (prepared, afterStore) => {
      entered();
      await gate;
      return app.batch.commit(prepared, afterStore);
    };
    const first = source(user, { commit: slow }).drainOnce();
    await inside;
    expect(await source(user).drainOnce()).toEqual({ fetched: 0, stored: 0, duplicates: 0, moved: 0, failed: 0 });
    release();
    expect(await first).toMatchObject({ stored: 1, moved: 1 });
  });

  it('with IMAP_CONCURRENCY lanes, many senders are stored exactly once, each sender\'s mail in UID order', async () => {
    const user = freshUser();
    for (let i = 0; i < 60; i += 1) {
      await dovecot.append(user, mail(user, i).replace(`customer${i}@example.com`, `sender${i % 6}@example.com`), { internalDate: new Date('2026-01-05T10:00:00Z') });
    }
    const stats = await source(user, { concurrency: 4 }).drainOnce();
    expect(stats).toMatchObject({ fetched: 60, stored: 60, duplicates: 0, moved: 60, failed: 0 });
    const stored = await rows(user);
    expect(new Set(stored.map((r) => r.identity)).size).toBe(60);
    const uidsBySender = new Map<number, number[]>();
    for (const r of stored) {
      const uid = Number(/uid=(\d+)/.exec(r.source_ref)?.[1]);
      const sender = (uid - 1) % 6;
      uidsBySender.set(sender, [...(uidsBySender.get(sender) ?? []), uid]);
    }
    for (const uids of uidsBySender.values()) expect(uids).toEqual([...uids].sort((a, b) => a - b));
    expect(await dovecot.list(user, 'INBOX')).toEqual([]);
  });

  it('on the batch path, IMAP_CONCURRENCY lanes commit side by side, each in its own transaction; a lane that fails for good goes one at a time and the other is stored once', async () => {
    const user = freshUser();
    for (let i = 1; i <= 40; i += 1) {
      const raw = mail(user, i, i === 21 ? 'POISON in the second lane' : undefined).replace(`customer${i}@example.com`, `sender${i % 2}@example.com`);
      await dovecot.append(user, raw);
    }
    let inFlight = 0;
    let most = 0;
    const commit: Commit = async (prepared, afterStore) => {
      most = Math.max(most, ++inFlight);
      try {
        return await app.batch.commit(prepared, afterStore);
      } finally {
        inFlight -= 1;
      }
    };
    app.intake.hooks = {
      beforeWrite: (inputs) => {
        if (inputs.some((i) => i.raw.includes('POISON'))) throw new Error('a bug this message triggers');
      },
    };
    try {
      expect(await source(user, { concurrency: 2, batchSize: 40, commit }).drainOnce()).toEqual({ fetched: 40, stored: 40, duplicates: 0, moved: 40, failed: 0 });
    } finally {
      app.intake.hooks = undefined;
    }
    expect(most).toBe(2);
    const stored = await db.sql<{ kind: string; source_ref: string }[]>`
      select kind, source_ref from inbound_messages where position(${Buffer.from(user)}::bytea in raw) > 0 order by id`;
    expect(stored).toHaveLength(40);
    expect(stored.filter((r) => r.kind === 'quarantined').map((r) => r.source_ref.replace(/^.*uid=/, ''))).toEqual(['21']);
    // Each sender's mail in UID order: sender1 (odd UIDs) was taken one at a time after sender0's lane committed.
    const uids = (odd: number) => stored.map((r) => Number(r.source_ref.replace(/^.*uid=/, ''))).filter((u) => u % 2 === odd);
    expect(uids(0)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i + 2));
    expect(uids(1)).toEqual(Array.from({ length: 20 }, (_, i) => 2 * i + 1));
    expect(await dovecot.list(user, 'INBOX')).toEqual([]);
    expect((await cursor(user))?.last_uid).toBe(40n);
  });

  it('lanes keep one sender in one lane and spread senders over the lanes', () => {
    const m = (uid: number, from: string) => ({ uid, envelope: { from: [{ address: from }] } });
    const result = lanes([m(1, 'a@x'), m(2, 'b@x'), m(3, 'A@x'), m(4, 'c@x'), m(5, 'b@x')], 2);
    expect(result.map((l) => l.map((x) => x.uid))).toEqual([[1, 3, 4], [2, 5]]);
    expect(lanes([m(1, 'a@x')], 8)).toHaveLength(1);
  });

  it('wakes on IDLE within a second of an APPEND, well before the poll interval', async () => {
    const user = freshUser();
    const t = tracker();
    await dovecot.append(user, mail(user, 1));
    const worker = running(source(user, { pollSeconds: 60, ...t.wrap('a') }));
    try {
      await t.until('message 1 stored', () => t.count('stored') === 1);
      await waitFor('message 1 moved', async () => (await dovecot.list(user, 'Processed')).length === 1);
      const appendedAt = Date.now();
      await dovecot.append(user, mail(user, 2));
      await t.until('message 2 stored', () => t.count('stored') === 2, 10_000);
      const latency = t.outcomes[1]!.at - appendedAt;
      expect(latency).toBeLessThan(1_000);
    } finally {
      await worker.stop();
    }
  });

  it('finishes the batch in hand on shutdown, moves it and releases the lock', async () => {
    const user = freshUser();
    for (let i = 1; i <= 3; i += 1) await dovecot.append(user, mail(user, i));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const gated: Commit = async (prepared, afterStore) => {
      entered();
      await gate;
      return app.batch.commit(prepared, afterStore);
    };
    const ac = new AbortController();
    const done = source(user, { commit: gated }).run(ac.signal);
    await inside;
    ac.abort();
    release();
    await done;

    expect(await rows(user)).toHaveLength(3);
    expect((await dovecot.list(user, 'Processed')).length).toBe(3);
    expect(await dovecot.list(user, 'INBOX')).toEqual([]);
    expect(await advisoryLocksHere()).toBe(0);
  });

  it('one at a time (the fallback): finishes the message in hand on shutdown, moves it, releases the lock and leaves the rest for later', async () => {
    const user = freshUser();
    for (let i = 1; i <= 3; i += 1) await dovecot.append(user, mail(user, i));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const second = new Promise<void>((r) => (entered = r));
    const gated: ProcessMessage = async (input, afterStore) => {
      if (input.sourceRef?.endsWith(';uid=2')) {
        entered();
        await gate;
      }
      return app.process(input, afterStore);
    };
    const ac = new AbortController();
    const done = source(user, { process: gated, oneAtATime: true }).run(ac.signal);
    await second;
    ac.abort();
    release();
    await done;

    expect(await rows(user)).toHaveLength(2);
    expect((await dovecot.list(user, 'Processed')).length).toBe(2);
    expect((await dovecot.list(user, 'INBOX')).map((m) => m.uid)).toEqual([3]);
    expect(await advisoryLocksHere()).toBe(0);
  });

  it('a batch that fails for good is taken one at a time: a message that still fails is left flagged in INBOX and not offered again', async () => {
    const user = freshUser();
    await dovecot.append(user, mail(user, 1));
    await dovecot.append(user, mail(user, 2, 'POISON'));
    await dovecot.append(user, mail(user, 3));
    const store = app.process;
    const buggy: ProcessMessage = (input, afterStore) =>
      input.raw.includes('POISON') ? Promise.reject(new Error('unexpected bug')) : store(input, afterStore);
    const buggyBatch: Commit = (prepared, afterStore) =>
      prepared.inputs.some((i) => i.raw.includes('POISON')) ? Promise.reject(new Error('unexpected bug')) : app.batch.commit(prepared, afterStore);

    expect(await source(user, { process: buggy, commit: buggyBatch }).drainOnce()).toEqual({ fetched: 3, stored: 2, duplicates: 0, moved: 2, failed: 1 });
    expect(await dovecot.list(user, 'INBOX')).toEqual([{ uid: 2, flags: [FAILED_KEYWORD] }]);
    expect((await cursor(user))?.last_uid).toBe(3n);
    expect(await source(user, { process: buggy, commit: buggyBatch }).drainOnce()).toMatchObject({ fetched: 0 });
  });

  it('a poison message in the middle of a batch of 200 is quarantined alone; the other 199 are stored once, in order, and all 200 move', async () => {
    const user = freshUser();
    for (let i = 1; i <= 200; i += 1) await dovecot.append(user, i === 100 ? mail(user, i, 'POISON in the middle of a batch') : mail(user, i));
    app.intake.hooks = {
      beforeWrite: (inputs) => {
        if (inputs.some((i) => i.raw.includes('POISON'))) throw new Error('a bug this message triggers');
      },
    };
    try {
      expect(await source(user, { batchSize: 200 }).drainOnce()).toEqual({ fetched: 200, stored: 200, duplicates: 0, moved: 200, failed: 0 });
    } finally {
      app.intake.hooks = undefined;
    }
    const stored = await db.sql<{ kind: string; quarantine_reason: string | null; source_ref: string }[]>`
      select kind, quarantine_reason, source_ref from inbound_messages where position(${Buffer.from(user)}::bytea in raw) > 0 order by id`;
    expect(stored).toHaveLength(200);
    expect(stored.map((r) => Number(/uid=(\d+)/.exec(r.source_ref)?.[1]))).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(stored.filter((r) => r.kind === 'quarantined')).toEqual([{ kind: 'quarantined', quarantine_reason: 'processing failed: a bug this message triggers', source_ref: expect.stringMatching(/;uid=100$/) }]);
    expect(stored.filter((r) => r.kind === 'complaint')).toHaveLength(199);
    expect(await dovecot.list(user, 'INBOX')).toEqual([]);
    expect((await cursor(user))?.last_uid).toBe(200n);
    expect(await source(user).drainOnce()).toMatchObject({ fetched: 0 });
  });

  it('stops on a retryable error (database down), moves nothing, and picks up the whole batch next time', async () => {
    const user = freshUser();
    for (let i = 1; i <= 3; i += 1) await dovecot.append(user, mail(user, i));
    const down: Commit = () => Promise.reject(new RedressError('db', 'database unavailable', { retryable: true }));

    await expect(source(user, { commit: down }).drainOnce()).rejects.toThrow('database unavailable');
    expect((await dovecot.list(user, 'INBOX')).map((m) => m.uid)).toEqual([1, 2, 3]);
    expect(await dovecot.list(user, 'Processed')).toHaveLength(0);

    expect(await source(user).drainOnce()).toMatchObject({ fetched: 3, stored: 3, moved: 3 });
    expect(await rows(user)).toHaveLength(3);
  });

  it('fetches and parses the next batch while one commits; a retryable failure then moves only what committed', async () => {
    const user = freshUser();
    for (let i = 1; i <= 6; i += 1) await dovecot.append(user, mail(user, i));
    const uidsOf = (p: { inputs: readonly IntakeInput[] }) => p.inputs.map((i) => Number(/uid=(\d+)$/.exec(i.sourceRef ?? '')?.[1])).join(',');
    const events: string[] = [];
    let secondPrepared!: () => void;
    const second = new Promise<void>((r) => (secondPrepared = r));
    const prepare: BatchIntake['prepare'] = async (inputs) => {
      const prepared = await app.batch.prepare(inputs);
      events.push(`prepared ${uidsOf(prepared)}`);
      if (uidsOf(prepared) === '3,4') secondPrepared();
      return prepared;
    };
    const commit: Commit = async (prepared, afterStore) => {
      events.push(`commit ${uidsOf(prepared)}`);
      if (uidsOf(prepared) === '1,2') {
        // Held open until the next batch is parsed: without the overlap this would never finish.
        await second;
        return app.batch.commit(prepared, afterStore);
      }
      throw new RedressError('db', 'database unavailable', { retryable: true });
    };

    await expect(source(user, { batchSize: 2, prepare, commit }).drainOnce()).rejects.toThrow('database unavailable');
    expect(events.slice(0, 4)).toEqual(['prepared 1,2', 'commit 1,2', 'prepared 3,4', 'commit 3,4']);
    expect((await dovecot.list(user, 'INBOX')).map((m) => m.uid)).toEqual([3, 4, 5, 6]);
    expect((await cursor(user))?.last_uid).toBe(2n);
    expect(await source(user, { batchSize: 2 }).drainOnce()).toEqual({ fetched: 4, stored: 4, duplicates: 0, moved: 4, failed: 0 });
    expect((await rows(user)).map((r) => r.source_ref.replace(/^.*uid=/, ''))).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('one at a time (the fallback): stops on a retryable error (database down) and picks up where it stopped next time', async () => {
    const user = freshUser();
    for (let i = 1; i <= 3; i += 1) await dovecot.append(user, mail(user, i));
    const store = app.process;
    const down: ProcessMessage = (input, afterStore) =>
      input.sourceRef?.endsWith(';uid=2')
        ? Promise.reject(new RedressError('db', 'database unavailable', { retryable: true }))
        : store(input, afterStore);

    await expect(source(user, { process: down, oneAtATime: true }).drainOnce()).rejects.toThrow('database unavailable');
    expect((await dovecot.list(user, 'INBOX')).map((m) => m.uid)).toEqual([2, 3]);
    expect(await dovecot.list(user, 'Processed')).toHaveLength(1);

    expect(await source(user).drainOnce()).toMatchObject({ fetched: 2, stored: 2, moved: 2 });
    expect(await rows(user)).toHaveLength(3);
  });

  it('turns a failed login, a missing mailbox and a malformed IMAP_URL into imap errors that say what to do, without the password', async () => {
    const user = freshUser();
    const badPassword = source(user, { url: `imap://${user}:hunter2-wrong@127.0.0.1:${dovecot.port}/INBOX` });
    const login = await badPassword.drainOnce().catch((e: unknown) => e);
    expect(login).toBeInstanceOf(RedressError);
    expect(login).toMatchObject({ code: 'imap', retryable: false });
    expect((login as Error).message).toMatch(/check the user and password in IMAP_URL/);
    expect((login as Error).message).not.toContain('hunter2');

    const missing = await source(user, { url: dovecot.url(user, 'Nope') }).drainOnce().catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'imap', retryable: false });
    expect((missing as Error).message).toMatch(/mailbox "Nope" does not exist/);

    expect(() => source(user, { url: 'http://u:hunter2@host/INBOX' })).toThrow(/IMAP_URL must look like imap:\/\//);
    expect(() => source(user, { url: 'imap://u:hunter2@host/INBOX' })).not.toThrow();
  });
});

describe('IMAP_URL and UID sets', () => {
  it('reads imaps:// with URL-encoded credentials and mailbox, defaulting the port to 993', () => {
    expect(parseImapUrl('imaps://me%40example.com:p%40ss%2Fword@mail.example.com/Complaints%20In')).toEqual({
      secure: true,
      host: 'mail.example.com',
      port: 993,
      user: 'me@example.com',
      pass: 'p@ss/word',
      mailbox: 'Complaints In',
      identity: 'me@example.com@mail.example.com:993/Complaints In',
    });
  });

  it('defaults imap:// to port 143 and the mailbox to INBOX', () => {
    expect(parseImapUrl('imap://u:p@localhost')).toMatchObject({ secure: false, port: 143, mailbox: 'INBOX' });
  });

  it('compresses UIDs into ranges', () => {
    expect(uidSet([1, 2, 3, 7, 9, 10])).toBe('1:3,7,9:10');
    expect(uidSet([5])).toBe('5');
  });
});
