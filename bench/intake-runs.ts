import { execFile } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { intakeSettings, openApp } from '../src/app.ts';
import { manualClock } from '../src/clock.ts';
import type { Config } from '../src/config.ts';
import type { Sql } from '../src/db/pool.ts';
import { createImapSource, uidSet, type DrainStats } from '../src/intake/imap-source.ts';
import { parseMessage } from '../src/intake/parse.ts';
import type { BatchIntake, ProcessMessage } from '../src/intake/types.ts';
import type { Logger } from '../src/log.ts';
import { DOVECOT_PASSWORD, type Dovecot } from '../test/helpers/dovecot.ts';
import type { BenchConfig } from './config.ts';
import { complaintRaw, makeComplaint } from './corpus.ts';
import { createRng } from './random.ts';
import { progress, rate, since } from './report.ts';

/** One bench message: its bytes, and when the mailbox received it. */
export interface Mail {
  raw: Buffer;
  internalDate: Date;
  from: string;
}

const DAY_MS = 86_400_000;
const run = promisify(execFile);

/** Dates spread over the four weeks before now; each arrives a few seconds to two minutes after it was written. */
export function buildCorpus(cfg: BenchConfig): Mail[] {
  const rng = createRng(cfg.BENCH_SEED);
  const n = cfg.BENCH_MESSAGES;
  const start = Date.now() - 30 * DAY_MS;
  const step = (28 * DAY_MS) / n;
  return Array.from({ length: n }, (_, i) => {
    const written = new Date(Math.floor(start + i * step + rng.next() * step * 0.5));
    const c = makeComplaint(rng, i, written);
    return { raw: complaintRaw(c), internalDate: new Date(written.getTime() + rng.int(5, 120) * 1000), from: c.from.address };
  });
}

export async function appendAll(dovecot: Dovecot, user: string, corpus: readonly Mail[], label: string): Promise<void> {
  const every = Math.max(1000, Math.ceil(corpus.length / 5));
  for (let i = 0; i < corpus.length; i += 1) {
    await dovecot.append(user, corpus[i]!.raw, { internalDate: corpus[i]!.internalDate });
    if ((i + 1) % every === 0 && i + 1 < corpus.length) progress(`  appending (${label}): ${i + 1}/${corpus.length}`);
  }
}

/**
 * A fresh user holding the first `count` messages of the source user's INBOX, same bytes and
 * INTERNALDATEs: a server-side `doveadm copy` (the source is only ever PEEKed), else APPEND.
 */
export async function copyMailbox(dovecot: Dovecot, from: string, to: string, corpus: readonly Mail[], count = corpus.length): Promise<void> {
  const query = count < corpus.length ? ['UID', `1:${count}`] : ['ALL'];
  try {
    await run('doveadm', ['-c', path.join(dovecot.dir, 'dovecot.conf'), 'copy', '-u', to, 'INBOX', 'user', from, 'mailbox', 'INBOX', ...query]);
    const copied = (await dovecot.list(to, 'INBOX')).length;
    if (copied === count) return;
    throw new Error(`doveadm copy gave ${copied} of ${count} messages`);
  } catch (err) {
    progress(`  doveadm copy did not work (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); appending instead`);
    if ((await dovecot.list(to, 'INBOX')).length > 0) throw new Error(`the user ${to} is not empty after a failed copy`);
    await appendAll(dovecot, to, corpus.slice(0, count), to);
  }
}

export interface BaselineRun {
  count: number;
  seconds: number;
  fetchSeconds: number;
  parseSeconds: number;
  perSecond: number;
}

/** The baseline: a plain imapflow client FETCHes uid+internalDate+source in batches and parses each with simpleParser. */
export async function fetchAndParse(dovecot: Dovecot, user: string, batchSize: number, keep?: Buffer[]): Promise<BaselineRun> {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user, pass: DOVECOT_PASSWORD }, logger: false, disableAutoIdle: true });
  client.on('error', () => {});
  let fetchMs = 0;
  let parseMs = 0;
  let count = 0;
  const t0 = performance.now();
  await client.connect();
  try {
    await client.mailboxOpen('INBOX');
    const found = await client.search({ all: true }, { uid: true });
    if (!found) throw new Error(`SEARCH failed for ${user}`);
    const uids = [...found].sort((a, b) => a - b);
    for (let i = 0; i < uids.length; i += batchSize) {
      const tf = performance.now();
      const batch = await client.fetchAll(uidSet(uids.slice(i, i + batchSize)), { uid: true, internalDate: true, source: true }, { uid: true });
      fetchMs += since(tf);
      for (const m of batch) {
        if (!m.source) throw new Error(`no source for uid ${m.uid}`);
        const tp = performance.now();
        const parsed = await simpleParser(m.source);
        parseMs += since(tp);
        if (!parsed.messageId) throw new Error(`baseline: uid ${m.uid} parsed without a Message-ID`);
        keep?.push(m.source);
        count += 1;
      }
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  const ms = since(t0);
  return { count, seconds: ms / 1000, fetchSeconds: fetchMs / 1000, parseSeconds: parseMs / 1000, perSecond: rate(count, ms) };
}

/** The project's own parser over the same bytes, no I/O: how much of the gap is parsing. */
export async function parseAll(sources: readonly Buffer[], config: Config): Promise<{ seconds: number }> {
  const limits = intakeSettings(config).limits;
  const t0 = performance.now();
  let failed = 0;
  for (const raw of sources) if (!(await parseMessage(raw, limits)).ok) failed += 1;
  if (failed > 0) progress(`  WARNING: parseMessage refused ${failed} of ${sources.length} messages`);
  return { seconds: since(t0) / 1000 };
}

export interface IntakeRun {
  seconds: number;
  perSecond: number;
  /** Wall time with at least one message in the app's hands; the rest is IMAP (fetch, \Seen, MOVE). */
  inAppSeconds: number;
  /** Share of the run the JavaScript thread was busy (event-loop utilisation): what is left when it is near 1 is CPU on that thread, not waiting. */
  threadBusy: number;
  /** CPU this process used during the run, all its threads (the garbage collector's helpers too). */
  cpuSeconds: number;
  firstSlicePerSecond: number;
  lastSlicePerSecond: number;
  stats: DrainStats;
  verify: IntakeVerify;
}

export interface IntakeVerify {
  inbound: number;
  cases: number;
  inboxLeft: number;
  processed: number;
  processedSeen: number;
  acksQueued: number;
  inboundKinds: Record<string, number>;
  ok: boolean;
  problems: string[];
}

/**
 * `redress ingest --once` as the worker wires it (the batch path, falling back to one
 * message at a time), over `user`'s INBOX into the database at `config.DATABASE_URL`; the
 * app's clock a minute after the last arrival. Verified against what was there before.
 */
export async function drainIntake(config: Config, dovecot: Dovecot, user: string, expected: number, now: Date, log: Logger, label: string): Promise<IntakeRun> {
  const app = await openApp(config, { log, clock: manualClock(now) });
  try {
    const before = await counts(app.db.sql);
    const timed = timedIntake(app.process, app.batch, expected, label);
    const source = createImapSource(
      { sql: app.db.sql, log, process: timed.process, batch: timed.batch },
      { url: dovecot.url(user), processedFolder: config.IMAP_PROCESSED_FOLDER, pollSeconds: config.IMAP_POLL_SECONDS, batchSize: config.IMAP_BATCH_SIZE, tlsVerify: config.IMAP_TLS_VERIFY, concurrency: config.IMAP_CONCURRENCY },
    );
    const loop = performance.eventLoopUtilization();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const stats = await source.drainOnce();
    const ms = since(t0);
    const busy = performance.eventLoopUtilization(loop).utilization;
    const used = process.cpuUsage(cpu);
    const verify = await verifyIntake(app.db.sql, before, dovecot, user, expected);
    return {
      seconds: ms / 1000,
      perSecond: rate(stats.stored, ms),
      inAppSeconds: timed.busyMs() / 1000,
      threadBusy: busy,
      cpuSeconds: (used.user + used.system) / 1e6,
      firstSlicePerSecond: timed.sliceRate('first'),
      lastSlicePerSecond: timed.sliceRate('last'),
      stats,
      verify,
    };
  } finally {
    await app.close();
  }
}

/**
 * Wraps the app's intake: wall time during which at least one message was in hand (the next
 * batch is prepared while one commits, and lanes overlap, so summing calls would count twice),
 * and the rate over the first and the last slice of the run (a slice ends with the call that
 * completes it: committed batches end slices).
 */
function timedIntake(one: ProcessMessage, many: BatchIntake, expected: number, label: string) {
  const slice = Math.max(100, Math.min(1000, Math.floor(expected / 5)));
  const marks: { at: number; done: number }[] = [];
  let busy = 0;
  let busySince = 0;
  let active = 0;
  let done = 0;
  const around = async <T>(messages: number, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    if (marks.length === 0) marks.push({ at: t, done: 0 });
    if (active++ === 0) busySince = t;
    try {
      return await work();
    } finally {
      const end = performance.now();
      if (--active === 0) busy += end - busySince;
      done += messages;
      const last = marks.at(-1)!;
      if (done - last.done >= slice) {
        marks.push({ at: end, done });
        progress(`  ${label}: ${done}/${expected} (${rate(done - last.done, end - last.at)} msg/s over the last ${done - last.done})`);
      }
    }
  };
  const process: ProcessMessage = (input, afterStore) => around(1, () => one(input, afterStore));
  const batch: BatchIntake = {
    prepare: (inputs) => around(0, () => many.prepare(inputs)),
    commit: (prepared, afterStore) => around(prepared.inputs.length, () => many.commit(prepared, afterStore)),
  };
  const sliceRate = (which: 'first' | 'last') => {
    if (marks.length < 2) return 0;
    const [a, b] = which === 'first' ? [marks[0]!, marks[1]!] : [marks.at(-2)!, marks.at(-1)!];
    return rate(b.done - a.done, b.at - a.at);
  };
  return { process, batch, busyMs: () => busy, sliceRate };
}

interface Counts {
  inbound: number;
  cases: number;
  acks: number;
  lastInbound: string;
}

async function counts(sql: Sql): Promise<Counts> {
  const [row] = await sql<[Counts]>`
    select (select count(*)::int from inbound_messages) as inbound,
           (select count(*)::int from cases) as cases,
           (select count(*)::int from outbound_messages where kind = 'ack' and status = 'queued') as acks,
           (select coalesce(max(id), 0)::text from inbound_messages) as "lastInbound"`;
  return row;
}

async function verifyIntake(sql: Sql, before: Counts, dovecot: Dovecot, user: string, expected: number): Promise<IntakeVerify> {
  const after = await counts(sql);
  const kinds = await sql<{ kind: string; n: number }[]>`select kind, count(*)::int as n from inbound_messages where id > ${before.lastInbound}::bigint group by kind order by kind`;
  const inbox = await dovecot.list(user, 'INBOX');
  const processed = await dovecot.list(user, 'Processed');
  const v = {
    inbound: after.inbound - before.inbound,
    cases: after.cases - before.cases,
    inboxLeft: inbox.length,
    processed: processed.length,
    processedSeen: processed.filter((m) => m.flags.includes('\\Seen')).length,
    acksQueued: after.acks - before.acks,
    inboundKinds: Object.fromEntries(kinds.map((k) => [k.kind, k.n])),
  };
  const problems: string[] = [];
  if (v.inbound !== expected) problems.push(`inbound rows ${v.inbound}, expected ${expected}`);
  if (v.cases !== expected) problems.push(`cases ${v.cases}, expected ${expected} (inbound kinds: ${JSON.stringify(v.inboundKinds)})`);
  if (v.inboxLeft !== 0) problems.push(`INBOX still holds ${v.inboxLeft}`);
  if (v.processed !== expected) problems.push(`Processed holds ${v.processed}, expected ${expected}`);
  if (v.processedSeen !== v.processed) problems.push(`${v.processed - v.processedSeen} processed messages are not \\Seen`);
  if (v.acksQueued !== v.cases) problems.push(`${v.acksQueued} acknowledgements queued for ${v.cases} cases`);
  return { ...v, ok: problems.length === 0, problems };
}
