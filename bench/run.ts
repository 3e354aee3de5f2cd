import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { createLogger } from '../src/log.ts';
import { startDovecot } from '../test/helpers/dovecot.ts';
import { benchConfigFromEnv, type BenchConfig } from './config.ts';
import { Cleanup, startPgServer } from './infra.ts';
import { runBigMailBench, type BigMailFigures } from './big-mail.ts';
import { runIntakeBench, type IntakeFigures } from './intake.ts';
import { heading, line, mib, progress, round, showSpread, since } from './report.ts';
import { runSendsBench, type SendsFigures } from './sends.ts';
import { runReportBench, type ReportFigures } from './report-bench.ts';
import { runSweepBench, type SweepFigures } from './sweep.ts';
import { runWalkBench, type WalkFigures } from './walk-bench.ts';

/**
 * `npm run bench`: (1) IMAP intake throughput against a plain fetch-and-parse baseline,
 * (2) the eight-week walk with run-due against an empty-database floor, (3) acknowledgements
 * per second from a running worker against run-due, and arrival-to-acknowledgement latency
 * through IDLE, (4) the regulator's report, (5) peak RSS and database growth for one big
 * message against a small one, (6) run-due's idle sweep and the digest at many open cases.
 * Everything it starts (embedded Postgres, Dovecot, SMTP sink, databases, temp dirs) is undone at the end.
 */
async function main(): Promise<number> {
  const cfg = benchConfigFromEnv();
  const log = createLogger('silent');
  const cleanup = new Cleanup();
  const t0 = performance.now();
  const stop = watchdog(cfg, cleanup);
  const errors: string[] = [];
  let intake: IntakeFigures | undefined;
  let walk: WalkFigures | undefined;
  let sends: SendsFigures | undefined;
  let report: ReportFigures | undefined;
  let bigMail: BigMailFigures | undefined;
  let sweep: SweepFigures | undefined;
  try {
    heading('Redress benchmark');
    line('sizes', `BENCH_MESSAGES=${cfg.BENCH_MESSAGES} BENCH_INTAKE_ROUNDS=${cfg.BENCH_INTAKE_ROUNDS} BENCH_INTAKE_SEEDED_CASES=${cfg.BENCH_INTAKE_SEEDED_CASES} BENCH_CASES=${cfg.BENCH_CASES} BENCH_IMAP_BATCH=${cfg.BENCH_IMAP_BATCH ?? '(IMAP_BATCH_SIZE default)'} BENCH_BURST=${cfg.BENCH_BURST} BENCH_LATENCY_COMPLAINTS=${cfg.BENCH_LATENCY_COMPLAINTS} BENCH_REPORT_CASES=${cfg.BENCH_REPORT_CASES} BENCH_SWEEP_OPEN_CASES=${cfg.BENCH_SWEEP_OPEN_CASES}`);
    line('walk', `from ${cfg.BENCH_WALK_START}, +${cfg.BENCH_WALK_TAIL_DAYS} days after the last arrival, outbound via ${cfg.BENCH_OUTBOUND}`);
    line('parts / seed', `${cfg.BENCH_PARTS.join(',')} / ${cfg.BENCH_SEED}`);
    line('machine', `${os.cpus().length} CPUs, load average ${loadAverage()} (other work on the machine skews absolute figures; ratios are same-run)`);
    const server = await startPgServer(cleanup, cfg.DATABASE_URL, log);
    progress(server.embedded ? 'embedded Postgres started in a temp dir' : 'using the Postgres server of DATABASE_URL');
    const dovecot = cfg.BENCH_PARTS.some((p) => p === 'intake' || p === 'sends' || p === 'bigmail')
      ? await startDovecot().catch((err: unknown) => {
          errors.push(`Dovecot did not start (intake, sends and bigmail need it): ${describe(err)}`);
          return undefined;
        })
      : undefined;
    if (dovecot) {
      cleanup.defer('stop Dovecot', () => dovecot.stop());
      progress(`throwaway Dovecot listening on ${dovecot.port}`);
    }
    if (dovecot && cfg.BENCH_PARTS.includes('intake')) {
      try {
        intake = await runIntakeBench({ cfg, cleanup, server, dovecot, log });
        if (!intake.verify.ok) errors.push(`intake verification failed: ${intake.verify.problems.join('; ')}`);
      } catch (err) {
        errors.push(`intake benchmark failed: ${describe(err)}`);
        progress(`ERROR in the intake benchmark: ${describe(err)}`);
      }
    }
    if (cfg.BENCH_PARTS.includes('walk')) {
      try {
        walk = await runWalkBench({ cfg, cleanup, server, log });
        if (walk.missed > 0) errors.push(`${walk.missed} deadlines missed in the walk`);
        if (walk.problems.length > 0) errors.push(...walk.problems);
      } catch (err) {
        errors.push(`walk benchmark failed: ${describe(err)}`);
        progress(`ERROR in the walk benchmark: ${describe(err)}`);
      }
    }
    if (dovecot && cfg.BENCH_PARTS.includes('sends')) {
      try {
        sends = await runSendsBench({ cfg, cleanup, server, log }, dovecot);
        if (!sends.verify.ok) errors.push(`sends verification failed: ${sends.verify.problems.join('; ')}`);
      } catch (err) {
        errors.push(`sends benchmark failed: ${describe(err)}`);
        progress(`ERROR in the sends benchmark: ${describe(err)}`);
      }
    }
    if (cfg.BENCH_PARTS.includes('report')) {
      try {
        report = await runReportBench({ cfg, cleanup, server, log });
        errors.push(...report.problems);
      } catch (err) {
        errors.push(`report benchmark failed: ${describe(err)}`);
        progress(`ERROR in the report benchmark: ${describe(err)}`);
      }
    }
    if (dovecot && cfg.BENCH_PARTS.includes('bigmail')) {
      try {
        bigMail = await runBigMailBench({ cfg, cleanup, server, dovecot, log });
        errors.push(...bigMail.verify.problems);
      } catch (err) {
        errors.push(`big-mail benchmark failed: ${describe(err)}`);
        progress(`ERROR in the big-mail benchmark: ${describe(err)}`);
      }
    }
    if (cfg.BENCH_PARTS.includes('sweep')) {
      try {
        sweep = await runSweepBench({ cfg, cleanup, server, log });
        errors.push(...sweep.problems);
      } catch (err) {
        errors.push(`sweep benchmark failed: ${describe(err)}`);
        progress(`ERROR in the sweep benchmark: ${describe(err)}`);
      }
    }
  } catch (err) {
    errors.push(`setup failed: ${describe(err)}`);
    progress(`ERROR: ${describe(err)}`);
  } finally {
    progress('cleaning up');
    const problems = await cleanup.runAll();
    for (const p of problems) errors.push(`cleanup: ${p}`);
    stop();
  }
  const peakRssMiB = mib(process.resourceUsage().maxRSS * 1024);
  const totalSeconds = round(since(t0) / 1000, 1);
  heading('Summary');
  if (intake) {
    line('intake msg/s (baseline, ratio), median (min-max)', `${showSpread(intake.intake.perSecond)} (${showSpread(intake.baseline.perSecond)}, ${showSpread(intake.ratio)})`);
    line('  targets', `>= ${intake.targets.perSecond} msg/s, ratio >= ${intake.targets.ratio} (stretch ${intake.targets.stretchRatio})`);
    if (intake.seeded) line(`intake msg/s at ${intake.seeded.cases} cases (of empty)`, `${showSpread(intake.seeded.perSecond)} (${showSpread(intake.seeded.ofEmpty)}; target >= ${intake.targets.seededOfEmpty})`);
  }
  if (walk) {
    line('walk wall s (floor, ratio)', `${walk.wallSeconds} (${walk.floor.seconds}, ${walk.floor.ratioWall})`);
    line('walk messages sent', JSON.stringify(walk.sentByKind));
    line('walk deadlines', JSON.stringify(walk.deadlinesByStatus));
    line('walk deadlines missed', walk.missed);
  }
  if (sends) {
    line('acks msg/s: worker (run-due, ratio)', `${sends.burst.worker.perSecond} (${sends.burst.runDue.perSecond}, ${sends.burst.ratio})`);
    line('ack latency through IDLE p50 / p95 ms', `${sends.latency.p50Ms} / ${sends.latency.p95Ms}`);
  }
  if (report) line('report s for a month / a year (cases)', `${report.monthSeconds} / ${report.yearSeconds} (${report.cases})`);
  if (bigMail) {
    const mb = mib(bigMail.messageBytes.big);
    const fetchOnly = bigMail.imap.fetchOnly ? `; imapflow's FETCH alone ${bigMail.imap.fetchOnly.extraMiB} MiB` : '';
    line(`big mail (${mb} MiB): extra peak RSS file / imap`, `${bigMail.file.extraRssMiB} / ${bigMail.imap.extraRssMiB} MiB (${bigMail.file.extraRssPerMessageSize}x / ${bigMail.imap.extraRssPerMessageSize}x its size${fetchOnly})`);
    line(`big mail (${mb} MiB): database growth file / imap`, `${bigMail.file.big.databaseGrowthMiB} / ${bigMail.imap.big.databaseGrowthMiB} MiB`);
  }
  if (sweep) line(`idle sweep / digest s at ${sweep.openCases} open cases`, `${showSpread(sweep.idleSweepSeconds)} / ${sweep.digestSeconds} (targets < ${sweep.targets.idleSweepSeconds} / < ${sweep.targets.digestSeconds})`);
  line('peak RSS', `${peakRssMiB} MiB`);
  line('load average at the end', loadAverage());
  line('total time', `${totalSeconds} s`);
  for (const e of errors) line('ERROR', e);
  process.stdout.write(`${JSON.stringify(summary(cfg, { intake, walk, sends, report, bigMail, sweep }, peakRssMiB, totalSeconds, errors))}\n`);
  return errors.length === 0 ? 0 : 1;
}

function summary(cfg: BenchConfig, parts: { intake?: IntakeFigures; walk?: WalkFigures; sends?: SendsFigures; report?: ReportFigures; bigMail?: BigMailFigures; sweep?: SweepFigures }, peakRssMiB: number, totalSeconds: number, errors: string[]) {
  const { intake, walk, sends, report, bigMail, sweep } = parts;
  const walkOut = walk ? { ...walk, missedList: walk.missedList.slice(0, 200) } : undefined;
  return {
    bench: 'redress',
    config: { parts: cfg.BENCH_PARTS, floorCalls: cfg.BENCH_FLOOR_CALLS, messages: cfg.BENCH_MESSAGES, cases: cfg.BENCH_CASES, burst: cfg.BENCH_BURST, latencyComplaints: cfg.BENCH_LATENCY_COMPLAINTS, reportCases: cfg.BENCH_REPORT_CASES, intakeRounds: cfg.BENCH_INTAKE_ROUNDS, intakeWarmup: cfg.BENCH_INTAKE_WARMUP, intakeSeededCases: cfg.BENCH_INTAKE_SEEDED_CASES, sweepOpenCases: cfg.BENCH_SWEEP_OPEN_CASES, imapBatch: cfg.BENCH_IMAP_BATCH ?? null, imapConcurrency: cfg.BENCH_IMAP_CONCURRENCY ?? null, walkStart: cfg.BENCH_WALK_START, tailDays: cfg.BENCH_WALK_TAIL_DAYS, outbound: cfg.BENCH_OUTBOUND, bigAttachmentMiB: cfg.BENCH_BIG_ATTACHMENT_MIB, seed: cfg.BENCH_SEED, database: cfg.DATABASE_URL ? 'DATABASE_URL' : 'embedded' },
    intake,
    walk: walkOut,
    sends,
    report,
    bigMail,
    sweep,
    peakRssMiB,
    totalSeconds,
    loadAverage: os.loadavg().map((l) => round(l, 2)),
    ok: errors.length === 0,
    errors,
  };
}

/** Gives up after BENCH_TIMEOUT_SECONDS (or on Ctrl-C): cleans up what it can, then exits. */
function watchdog(cfg: BenchConfig, cleanup: Cleanup): () => void {
  const abort = (why: string) => {
    progress(`ABORT: ${why}; cleaning up`);
    void cleanup.runAll(10_000).finally(() => process.exit(2));
  };
  const timer = setTimeout(() => abort(`still running after ${cfg.BENCH_TIMEOUT_SECONDS} s (BENCH_TIMEOUT_SECONDS)`), cfg.BENCH_TIMEOUT_SECONDS * 1000);
  timer.unref();
  const onSignal = (signal: NodeJS.Signals) => abort(`received ${signal}`);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    clearTimeout(timer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

function loadAverage(): string {
  return os.loadavg().map((l) => l.toFixed(2)).join(' ');
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return `${err.message}${cause instanceof Error ? ` (cause: ${cause.message})` : ''}\n${err.stack?.split('\n').slice(1, 6).join('\n') ?? ''}`;
}

process.exitCode = await main();
// Everything is closed by now; if a stray handle still holds the loop, say so and leave anyway.
setTimeout(() => {
  process.stderr.write('bench: something still held the event loop 5 s after cleanup; exiting\n');
  process.exit(process.exitCode ?? 0);
}, 5_000).unref();
