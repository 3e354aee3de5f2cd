import { performance } from 'node:perf_hooks';
import { openApp } from '../src/app.ts';
import { loadConfig, type Config } from '../src/config.ts';
import { createPool } from '../src/db/pool.ts';
import type { DrainStats } from '../src/intake/imap-source.ts';
import type { Logger } from '../src/log.ts';
import type { Dovecot } from '../test/helpers/dovecot.ts';
import { seedCases } from '../test/helpers/seed-cases.ts';
import type { BenchConfig } from './config.ts';
import { COMPLAINTS_ADDRESS } from './corpus.ts';
import { cloneDatabase, freshDatabase, tempDir, type BenchDatabase, type Cleanup, type PgServer } from './infra.ts';
import { appendAll, buildCorpus, copyMailbox, drainIntake, fetchAndParse, parseAll, type BaselineRun, type IntakeRun, type Mail } from './intake-runs.ts';
import { heading, line, progress, rate, round, showSpread, since, spread, table, type Spread } from './report.ts';

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
  rounds: number;
  warmupMessages: number;
  settings: { batchSize: number; concurrency: number };
  baseline: { perSecond: Spread; seconds: Spread; fetchSeconds: Spread; parseSeconds: Spread };
  parseMessageOnly: { seconds: number; perSecond: number };
  intake: IntakeSpread;
  /** Each round's intake rate over that round's baseline rate. */
  ratio: Spread;
  /** The same intake on a database already holding `cases` cases. */
  seeded?: IntakeSpread & { cases: number; seedSeconds: number; ratio: Spread; ofEmpty: Spread };
  targets: typeof TARGETS;
  verify: { ok: boolean; problems: string[] };
}

interface IntakeSpread {
  perSecond: Spread;
  seconds: Spread;
  inAppSeconds: Spread;
  threadBusy: Spread;
  cpuSeconds: Spread;
  firstSlicePerSecond: Spread;
  lastSlicePerSecond: Spread;
  stats: DrainStats[];
}

/** Issue 9's targets on 2 cores. */
const TARGETS = { perSecond: 1000, ratio: 0.15, stretchRatio: 0.3, seededOfEmpty: 0.8 };
const STAFF = ['rep@redress.test', 'supervisor@redress.test', 'engineering@redress.test', 'director@redress.test'];

type Step = 'baseline' | 'intake' | 'seeded';

/**
 * Part 1: the real IMAP intake (`redress ingest --once` at default settings) against a plain
 * fetch-and-parse loop over the same mail, and again on a database already holding
 * BENCH_INTAKE_SEEDED_CASES cases. After an untimed warm-up, BENCH_INTAKE_ROUNDS rounds run
 * each in turn (the order rotating), every run on a fresh server-side copy of the mailbox
 * and a fresh copy of its database; medians and ranges are reported.
 */
export async function runIntakeBench(ctx: IntakeContext): Promise<IntakeFigures> {
  const { cfg, dovecot, log, cleanup, server } = ctx;
  heading(`1. Intake throughput: ${cfg.BENCH_MESSAGES} complaints through Dovecot, ${cfg.BENCH_INTAKE_ROUNDS} rounds`);
  const corpus = buildCorpus(cfg);
  const corpusBytes = corpus.reduce((n, m) => n + m.raw.length, 0);
  const source = `bench-source-${cfg.BENCH_SEED}`;
  const t0 = performance.now();
  await appendAll(dovecot, source, corpus, 'source user');
  const appendSeconds = round(since(t0) / 1000, 2);
  progress(`APPENDed ${corpus.length} complaints (${round(corpusBytes / corpus.length, 0)} bytes on average) in ${appendSeconds} s; each run gets a server-side copy (not measured)`);

  const dataDir = await tempDir(cleanup, 'redress-bench-intake-');
  const product = loadConfig({ REDRESS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS, ...imapSettings(cfg) });
  const now = new Date(corpus.at(-1)!.internalDate.getTime() + 60_000);
  const empty = await templateDatabase(ctx, product, 'intake_empty');
  const seeded = cfg.BENCH_INTAKE_SEEDED_CASES > 0 ? await seededTemplate(ctx, product, corpus, now) : undefined;

  let users = 0;
  const freshMailbox = async (count = corpus.length) => {
    const user = `bench-${cfg.BENCH_SEED}-${(users += 1)}`;
    await copyMailbox(dovecot, source, user, corpus, count);
    return user;
  };
  const intakeInto = async (template: BenchDatabase, label: string, count = corpus.length) => {
    const [user, db] = [await freshMailbox(count), await cloneDatabase(cleanup, server, template, 'intake', log)];
    return drainIntake({ ...product, DATABASE_URL: db.url }, dovecot, user, count, now, log, label);
  };

  const warm = Math.min(cfg.BENCH_INTAKE_WARMUP, corpus.length);
  progress(`warm-up (not measured): ${warm} messages through the baseline and the intake`);
  await fetchAndParse(dovecot, await freshMailbox(warm), product.IMAP_BATCH_SIZE);
  await intakeInto(empty, 'warm-up', warm);

  const runs = { baseline: [] as BaselineRun[], intake: [] as IntakeRun[], seeded: [] as IntakeRun[] };
  const sources: Buffer[] = [];
  const steps: Step[] = seeded ? ['baseline', 'intake', 'seeded'] : ['baseline', 'intake'];
  for (let r = 0; r < cfg.BENCH_INTAKE_ROUNDS; r += 1) {
    for (const step of [...steps.slice(r % steps.length), ...steps.slice(0, r % steps.length)]) {
      const label = `round ${r + 1} ${step}`;
      if (step === 'baseline') {
        const b = await fetchAndParse(dovecot, await freshMailbox(), product.IMAP_BATCH_SIZE, r === 0 ? sources : undefined);
        runs.baseline.push(b);
        progress(`${label}: ${b.count} fetched and parsed in ${round(b.seconds, 2)} s = ${b.perSecond} msg/s`);
      } else {
        const run = await intakeInto(step === 'seeded' ? seeded!.db : empty, label);
        runs[step].push(run);
        progress(`${label}: ${run.stats.stored} stored, ${run.stats.moved} moved in ${round(run.seconds, 2)} s = ${run.perSecond} msg/s`);
      }
    }
  }
  const parseOnly = await parseAll(sources, product);
  const figures = summarise(cfg, { corpusBytes, appendSeconds, warm, product, runs, parseOnly, seeded });
  printIntake(figures);
  return figures;
}

function imapSettings(cfg: BenchConfig): Record<string, string> {
  return {
    ...(cfg.BENCH_IMAP_BATCH ? { IMAP_BATCH_SIZE: String(cfg.BENCH_IMAP_BATCH) } : {}),
    ...(cfg.BENCH_IMAP_CONCURRENCY ? { IMAP_CONCURRENCY: String(cfg.BENCH_IMAP_CONCURRENCY) } : {}),
  };
}

/** A migrated database with pg-boss's schema, to be copied for each run (so no run pays for installing either). */
async function templateDatabase(ctx: IntakeContext, product: Config, purpose: string): Promise<BenchDatabase> {
  const db = await freshDatabase(ctx.cleanup, ctx.server, purpose, ctx.log);
  const app = await openApp({ ...product, DATABASE_URL: db.url }, { log: ctx.log });
  await app.close();
  return db;
}

/**
 * The template with BENCH_INTAKE_SEEDED_CASES cases (5% open) and everything they wrote and
 * were sent, seeded in SQL. One sender in ten is a customer already (with no case yet), so
 * the intake looks up earlier complaints against the full tables as it does in production.
 */
async function seededTemplate(ctx: IntakeContext, product: Config, corpus: readonly Mail[], now: Date) {
  const cases = ctx.cfg.BENCH_INTAKE_SEEDED_CASES;
  const db = await templateDatabase(ctx, product, 'intake_seeded');
  const sql = createPool(db.url, ctx.log, 1);
  try {
    const t0 = performance.now();
    const counts = await seedCases(sql, { cases, openShare: 0.05, now, staff: STAFF, knownAddresses: corpus.filter((_, i) => i % 10 === 0).map((m) => m.from), seed: ctx.cfg.BENCH_SEED });
    const seedSeconds = round(since(t0) / 1000, 1);
    progress(`seeded ${cases} cases for the second figure in ${seedSeconds} s (not measured): ${JSON.stringify(counts)}`);
    return { db, cases, seedSeconds };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

interface Collected {
  corpusBytes: number;
  appendSeconds: number;
  warm: number;
  product: Config;
  runs: { baseline: BaselineRun[]; intake: IntakeRun[]; seeded: IntakeRun[] };
  parseOnly: { seconds: number };
  seeded?: { cases: number; seedSeconds: number };
}

function summarise(cfg: BenchConfig, c: Collected): IntakeFigures {
  const { baseline, intake, seeded } = c.runs;
  const messages = cfg.BENCH_MESSAGES;
  const problems = [...intake, ...seeded].flatMap((r, i) => r.verify.problems.map((p) => `run ${i + 1}: ${p}`));
  const ratios = (runs: IntakeRun[]) => spread(runs.map((r, i) => r.perSecond / baseline[i]!.perSecond), 3);
  return {
    messages,
    corpusBytes: c.corpusBytes,
    appendSeconds: c.appendSeconds,
    rounds: cfg.BENCH_INTAKE_ROUNDS,
    warmupMessages: c.warm,
    settings: { batchSize: c.product.IMAP_BATCH_SIZE, concurrency: c.product.IMAP_CONCURRENCY },
    baseline: {
      perSecond: spread(baseline.map((b) => b.perSecond)),
      seconds: spread(baseline.map((b) => b.seconds), 2),
      fetchSeconds: spread(baseline.map((b) => b.fetchSeconds), 2),
      parseSeconds: spread(baseline.map((b) => b.parseSeconds), 2),
    },
    parseMessageOnly: { seconds: round(c.parseOnly.seconds, 2), perSecond: rate(messages, c.parseOnly.seconds * 1000) },
    intake: intakeSpread(intake),
    ratio: ratios(intake),
    ...(c.seeded && seeded.length > 0
      ? { seeded: { ...intakeSpread(seeded), cases: c.seeded.cases, seedSeconds: c.seeded.seedSeconds, ratio: ratios(seeded), ofEmpty: spread(seeded.map((s, i) => s.perSecond / intake[i]!.perSecond), 3) } }
      : {}),
    targets: TARGETS,
    verify: { ok: problems.length === 0, problems },
  };
}

function intakeSpread(runs: IntakeRun[]): IntakeSpread {
  return {
    perSecond: spread(runs.map((r) => r.perSecond)),
    seconds: spread(runs.map((r) => r.seconds), 2),
    inAppSeconds: spread(runs.map((r) => r.inAppSeconds), 2),
    threadBusy: spread(runs.map((r) => r.threadBusy), 3),
    cpuSeconds: spread(runs.map((r) => r.cpuSeconds), 2),
    firstSlicePerSecond: spread(runs.map((r) => r.firstSlicePerSecond)),
    lastSlicePerSecond: spread(runs.map((r) => r.lastSlicePerSecond)),
    stats: runs.map((r) => r.stats),
  };
}

function printIntake(f: IntakeFigures): void {
  heading(`1. Intake results: medians (min-max) of ${f.rounds} rounds`);
  const row = (measure: string, s: { perSecond: Spread; seconds: Spread }, note: string) => ({ measure, 'msg/s': showSpread(s.perSecond), seconds: showSpread(s.seconds), note });
  table(
    [
      row('baseline: imapflow FETCH 1:* + simpleParser', f.baseline, `fetch ${f.baseline.fetchSeconds.median} s, parse ${f.baseline.parseSeconds.median} s`),
      { measure: 'parseMessage alone (in memory, once)', 'msg/s': f.parseMessageOnly.perSecond, seconds: f.parseMessageOnly.seconds, note: 'src/intake/parse.ts, no I/O' },
      row('intake: redress ingest --once', f.intake, `in the app ${f.intake.inAppSeconds.median} s, the rest IMAP`),
      ...(f.seeded ? [row(`intake, ${f.seeded.cases} cases already stored`, f.seeded, `in the app ${f.seeded.inAppSeconds.median} s`)] : []),
    ],
    ['measure', 'msg/s', 'seconds', 'note'],
  );
  line('settings', `IMAP_BATCH_SIZE=${f.settings.batchSize} IMAP_CONCURRENCY=${f.settings.concurrency}; ${f.warmupMessages} messages of warm-up; fresh mailbox and database copies each run`);
  line('intake msg/s', `${showSpread(f.intake.perSecond)} (target >= ${f.targets.perSecond})`);
  line('ratio intake / baseline', `${showSpread(f.ratio)} (target >= ${f.targets.ratio}, stretch ${f.targets.stretchRatio})`);
  line('intake: JavaScript thread busy, CPU', `${showSpread(f.intake.threadBusy)} of the run; ${showSpread(f.intake.cpuSeconds)} s of CPU in this process (all threads)`);
  line('intake rate, first slice -> last slice', `${showSpread(f.intake.firstSlicePerSecond)} -> ${showSpread(f.intake.lastSlicePerSecond)} msg/s`);
  if (f.seeded) {
    line(`seeded: intake msg/s at ${f.seeded.cases} cases`, `${showSpread(f.seeded.perSecond)} (seeded in ${f.seeded.seedSeconds} s, not measured)`);
    line('seeded: ratio to baseline', showSpread(f.seeded.ratio));
    line('seeded: ratio to the empty database', `${showSpread(f.seeded.ofEmpty)} (target >= ${f.targets.seededOfEmpty})`);
  }
  line('drain stats (last intake)', JSON.stringify(f.intake.stats.at(-1)));
  line('verification', f.verify.ok ? 'OK (every run: inbound rows, cases, acknowledgements, an empty INBOX, all \\Seen in Processed)' : `FAILED: ${f.verify.problems.join('; ')}`);
}
