import { execFile } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { intakeSettings, openApp } from '../src/app.ts';
import { manualClock } from '../src/clock.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { createImapSource, uidSet, type DrainStats } from '../src/intake/imap-source.ts';
import { parseMessage } from '../src/intake/parse.ts';
import type { Sql } from '../src/db/pool.ts';
import type { ProcessMessage } from '../src/intake/types.ts';
import type { Logger } from '../src/log.ts';
import { DOVECOT_PASSWORD, type Dovecot } from '../test/helpers/dovecot.ts';
import type { BenchConfig } from './config.ts';
import { COMPLAINTS_ADDRESS, complaintRaw, makeComplaint } from './corpus.ts';
import { freshDatabase, tempDir, type Cleanup, type PgServer } from './infra.ts';
import { createRng } from './random.ts';
import { heading, line, progress, rate, round, since, table } from './report.ts';

export interface IntakeContext {
  cfg: BenchConfig;
  cleanup: Cleanup;
  server: PgServer;
  dovecot: Dovecot;
  log: Logger;
}

export interface IntakeFigures {
  messages: number;
  corpusBytes: number;
  appendSeconds: number;
  baseline: { seconds: number; perSecond: number; fetchSeconds: number; parseSeconds: number };
  parseMessageOnly: { seconds: number; perSecond: number };
  intake: { seconds: number; perSecond: number; concurrency: number; inProcessSeconds: number; imapSeconds: number; firstSlicePerSecond: number; lastSlicePerSecond: number; stats: DrainStats };
  ratio: number;
  verify: { inbound: number; cases: number; inboxLeft: number; processed: number; processedSeen: number; acksQueued: number; inboundKinds: Record<string, number>; ok: boolean; problems: string[] };
}

const DAY_MS = 86_400_000;
const run = promisify(execFile);

/** Part 1: the raw fetch-and-parse rate of a plain client, then the real IMAP intake over the same mail. */
export async function runIntakeBench(ctx: IntakeContext): Promise<IntakeFigures> {
  const { cfg, dovecot } = ctx;
  heading(`1. Intake throughput: ${cfg.BENCH_MESSAGES} complaints through Dovecot`);
  const corpus = buildCorpus(cfg);
  const corpusBytes = corpus.reduce((n, m) => n + m.raw.length, 0);
  progress(`generated ${corpus.length} complaints (${round(corpusBytes / corpus.length, 0)} bytes on average)`);

  const baselineUser = `bench-baseline-${cfg.BENCH_SEED}`;
  const intakeUser = `bench-intake-${cfg.BENCH_SEED}`;
  const t0 = performance.now();
  await appendAll(dovecot, baselineUser, corpus, 'baseline user');
  const how = await reload(dovecot, baselineUser, intakeUser, corpus);
  const appendSeconds = since(t0) / 1000;
  progress(`loaded ${corpus.length} messages into each of two fresh users in ${round(appendSeconds)} s (IMAP APPEND, then ${how}; not measured)`);

  const baseline = await fetchAndParse(dovecot, baselineUser, cfg.BENCH_IMAP_BATCH);
  progress(`baseline: ${baseline.count} fetched and parsed in ${round(baseline.seconds, 2)} s = ${rate(baseline.count, baseline.seconds * 1000)} msg/s`);

  const db = await freshDatabase(ctx.cleanup, ctx.server, 'intake', ctx.log);
  const dataDir = await tempDir(ctx.cleanup, 'redress-bench-intake-');
  const config = loadConfig({ DATABASE_URL: db.url, REDRESS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS, IMAP_BATCH_SIZE: String(cfg.BENCH_IMAP_BATCH), IMAP_CONCURRENCY: String(cfg.BENCH_IMAP_CONCURRENCY) });

  const parseOnly = await parseAll(baseline.sources, config);
  progress(`parseMessage alone (in memory, same mail): ${round(parseOnly.seconds, 2)} s = ${rate(baseline.sources.length, parseOnly.seconds * 1000)} msg/s`);
  baseline.sources.length = 0;

  const latest = corpus.at(-1)!.internalDate;
  const app = await openApp(config, { log: ctx.log, clock: manualClock(new Date(latest.getTime() + 60_000)) });
  try {
    const timed = timedProcess(app.process, corpus.length);
    const source = createImapSource(
      { sql: app.db.sql, log: ctx.log, process: timed.process },
      { url: dovecot.url(intakeUser), processedFolder: config.IMAP_PROCESSED_FOLDER, pollSeconds: config.IMAP_POLL_SECONDS, batchSize: config.IMAP_BATCH_SIZE, tlsVerify: config.IMAP_TLS_VERIFY, concurrency: config.IMAP_CONCURRENCY },
    );
    progress('intake: draining the mailbox once (parse, classify, store raw, open case, queue ack, move to Processed)');
    const t1 = performance.now();
    const stats = await source.drainOnce();
    const ms = since(t1);
    progress(`intake: ${stats.stored} stored, ${stats.moved} moved in ${round(ms / 1000, 2)} s = ${rate(stats.stored, ms)} msg/s`);
    const verify = await verifyIntake(app.db.sql, dovecot, intakeUser, corpus.length);
    const figures: IntakeFigures = {
      messages: corpus.length,
      corpusBytes,
      appendSeconds: round(appendSeconds, 2),
      baseline: { seconds: round(baseline.seconds, 2), perSecond: rate(baseline.count, baseline.seconds * 1000), fetchSeconds: round(baseline.fetchSeconds, 2), parseSeconds: round(baseline.parseSeconds, 2) },
      parseMessageOnly: { seconds: round(parseOnly.seconds, 2), perSecond: rate(corpus.length, parseOnly.seconds * 1000) },
      intake: {
        seconds: round(ms / 1000, 2),
        perSecond: rate(stats.stored, ms),
        concurrency: config.IMAP_CONCURRENCY,
        inProcessSeconds: round(timed.totalMs() / 1000, 2),
        imapSeconds: round((ms - timed.totalMs()) / 1000, 2),
        firstSlicePerSecond: timed.sliceRate('first'),
        lastSlicePerSecond: timed.sliceRate('last'),
        stats,
      },
      ratio: round(rate(stats.stored, ms) / rate(baseline.count, baseline.seconds * 1000), 3),
      verify,
    };
    printIntake(figures);
    return figures;
  } finally {
    await app.close();
  }
}

interface Mail {
  raw: Buffer;
  internalDate: Date;
}

/** Dates spread over the four weeks before now; each arrives a few seconds to two minutes after it was written. */
function buildCorpus(cfg: BenchConfig): Mail[] {
  const rng = createRng(cfg.BENCH_SEED);
  const n = cfg.BENCH_MESSAGES;
  const start = Date.now() - 30 * DAY_MS;
  const step = (28 * DAY_MS) / n;
  return Array.from({ length: n }, (_, i) => {
    const written = new Date(Math.floor(start + i * step + rng.next() * step * 0.5));
    const c = makeComplaint(rng, i, written);
    return { raw: complaintRaw(c), internalDate: new Date(written.getTime() + rng.int(5, 120) * 1000) };
  });
}

async function appendAll(dovecot: Dovecot, user: string, corpus: Mail[], label: string): Promise<void> {
  const every = Math.max(1000, Math.ceil(corpus.length / 5));
  for (let i = 0; i < corpus.length; i += 1) {
    await dovecot.append(user, corpus[i]!.raw, { internalDate: corpus[i]!.internalDate });
    if ((i + 1) % every === 0 && i + 1 < corpus.length) progress(`  appending (${label}): ${i + 1}/${corpus.length}`);
  }
}

/**
 * The same mail, same INTERNALDATEs, into the intake user: a server-side `doveadm copy` of the
 * baseline user's INBOX (its FETCHes only PEEK, so nothing is marked), else APPEND again.
 */
async function reload(dovecot: Dovecot, from: string, to: string, corpus: Mail[]): Promise<string> {
  try {
    await run('doveadm', ['-c', path.join(dovecot.dir, 'dovecot.conf'), 'copy', '-u', to, 'INBOX', 'user', from, 'mailbox', 'INBOX', 'ALL']);
    const copied = (await dovecot.list(to, 'INBOX')).length;
    if (copied === corpus.length) return 'doveadm copy';
    throw new Error(`doveadm copy gave ${copied} of ${corpus.length} messages`);
  } catch (err) {
    progress(`  doveadm copy did not work (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); appending instead`);
    if ((await dovecot.list(to, 'INBOX')).length > 0) throw new Error(`the intake user ${to} is not empty after a failed copy`);
    await appendAll(dovecot, to, corpus, 'intake user');
    return 'IMAP APPEND again';
  }
}

/** The baseline: a plain imapflow client fetches uid+internalDate+source in batches and parses each with simpleParser. */
async function fetchAndParse(dovecot: Dovecot, user: string, batchSize: number) {
  const client = new ImapFlow({ host: dovecot.host, port: dovecot.port, secure: false, doSTARTTLS: false, auth: { user, pass: DOVECOT_PASSWORD }, logger: false, disableAutoIdle: true });
  client.on('error', () => {});
  const sources: Buffer[] = [];
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
        sources.push(m.source);
        count += 1;
      }
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return { count, seconds: since(t0) / 1000, fetchSeconds: fetchMs / 1000, parseSeconds: parseMs / 1000, sources };
}

/** The project's own parser over the same bytes, no I/O: how much of the gap is parsing. */
async function parseAll(sources: Buffer[], config: Config) {
  const limits = intakeSettings(config).limits;
  const t0 = performance.now();
  let failed = 0;
  for (const raw of sources) if (!(await parseMessage(raw, limits)).ok) failed += 1;
  if (failed > 0) progress(`  WARNING: parseMessage refused ${failed} of ${sources.length} messages`);
  return { seconds: since(t0) / 1000 };
}

/**
 * Wraps app.process: wall time during which at least one message was in hand (the source runs
 * IMAP_CONCURRENCY lanes, so summing calls would count overlaps twice), and the rate over the
 * first and the last slice of the run.
 */
function timedProcess(inner: ProcessMessage, expected: number) {
  const slice = Math.max(100, Math.min(1000, Math.floor(expected / 5)));
  const marks: number[] = [];
  let busy = 0;
  let busySince = 0;
  let active = 0;
  let n = 0;
  const process: ProcessMessage = async (input, afterStore) => {
    const t = performance.now();
    if (marks.length === 0) marks.push(t);
    if (active++ === 0) busySince = t;
    try {
      return await inner(input, afterStore);
    } finally {
      const end = performance.now();
      if (--active === 0) busy += end - busySince;
      n += 1;
      if (n % slice === 0) {
        marks.push(end);
        const ms = end - marks[marks.length - 2]!;
        progress(`  intake: ${n}/${expected} (${rate(slice, ms)} msg/s over the last ${slice})`);
      }
    }
  };
  const sliceRate = (which: 'first' | 'last') => {
    if (marks.length < 2) return 0;
    const [a, b] = which === 'first' ? [marks[0]!, marks[1]!] : [marks.at(-2)!, marks.at(-1)!];
    return rate(slice, b - a);
  };
  return { process, totalMs: () => busy, sliceRate };
}

async function verifyIntake(sql: Sql, dovecot: Dovecot, user: string, expected: number): Promise<IntakeFigures['verify']> {
  const [counts] = await sql<[{ inbound: number; cases: number; acks: number }]>`
    select (select count(*)::int from inbound_messages) as inbound,
           (select count(*)::int from cases) as cases,
           (select count(*)::int from outbound_messages where kind = 'ack' and status = 'queued') as acks`;
  const kinds = await sql<{ kind: string; n: number }[]>`select kind, count(*)::int as n from inbound_messages group by kind order by kind`;
  const inbox = await dovecot.list(user, 'INBOX');
  const processed = await dovecot.list(user, 'Processed');
  const v = {
    inbound: counts.inbound,
    cases: counts.cases,
    inboxLeft: inbox.length,
    processed: processed.length,
    processedSeen: processed.filter((m) => m.flags.includes('\\Seen')).length,
    acksQueued: counts.acks,
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

function printIntake(f: IntakeFigures): void {
  heading('1. Intake results');
  table(
    [
      { measure: 'baseline: imapflow FETCH + simpleParser', seconds: f.baseline.seconds, 'msg/s': f.baseline.perSecond, note: `fetch ${f.baseline.fetchSeconds} s, parse ${f.baseline.parseSeconds} s` },
      { measure: 'parseMessage alone (in memory)', seconds: f.parseMessageOnly.seconds, 'msg/s': f.parseMessageOnly.perSecond, note: 'src/intake/parse.ts, no I/O' },
      { measure: 'intake: createImapSource().drainOnce()', seconds: f.intake.seconds, 'msg/s': f.intake.perSecond, note: `${f.intake.concurrency} lanes; in app.process ${f.intake.inProcessSeconds} s, IMAP only ${f.intake.imapSeconds} s` },
    ],
    ['measure', 'seconds', 'msg/s', 'note'],
  );
  line('ratio intake / baseline', `${f.ratio} (intake is ${round(1 / (f.ratio || 1), 1)}x slower)`);
  line('intake rate, first slice -> last slice', `${f.intake.firstSlicePerSecond} -> ${f.intake.lastSlicePerSecond} msg/s`);
  line('drain stats', JSON.stringify(f.intake.stats));
  line('inbound rows / cases', `${f.verify.inbound} / ${f.verify.cases}`);
  line('inbound kinds', JSON.stringify(f.verify.inboundKinds));
  line('INBOX left / Processed (\\Seen)', `${f.verify.inboxLeft} / ${f.verify.processed} (${f.verify.processedSeen})`);
  line('acknowledgements queued', f.verify.acksQueued);
  line('verification', f.verify.ok ? 'OK' : `FAILED: ${f.verify.problems.join('; ')}`);
}
