import { performance } from 'node:perf_hooks';
import { openApp, type App } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { createPool } from '../src/db/pool.ts';
import type { Logger } from '../src/log.ts';
import { runRedress, startWorker } from '../test/helpers/worker.ts';
import type { BenchConfig } from './config.ts';
import { COMPLAINTS_ADDRESS, complaintRaw, makeComplaint } from './corpus.ts';
import { cloneDatabase, freshDatabase, tempDir, type BenchDatabase, type Cleanup, type PgServer } from './infra.ts';
import { createRng } from './random.ts';
import { progress, rate, round, since } from './report.ts';
import { startBenchSink, type BenchSink } from './sink.ts';

export interface SendsContext {
  cfg: BenchConfig;
  cleanup: Cleanup;
  server: PgServer;
  log: Logger;
}

export interface DrainFigures {
  /** First acknowledgement at the relay to the last. */
  seconds: number;
  perSecond: number;
  /** From starting the process to the last acknowledgement (start-up, migrations check, pg-boss). */
  fromStartSeconds: number;
  received: number;
  duplicates: number;
  recordedSent: number;
}

export interface BurstFigures {
  complaints: number;
  acknowledgements: number;
  ingestSeconds: number;
  worker: DrainFigures & { stopSeconds: number; exitCode: number | null };
  runDue: DrainFigures & { exitCode: number };
  /** worker rate / run-due rate */
  ratio: number;
}

/** Lanes the burst is stored with (not measured; it only has to be there before the senders start). */
const INGEST_LANES = 4;

/**
 * A burst of BENCH_BURST complaints stored at once, then their acknowledgements sent by one
 * running worker (`redress start`) and, from a copy of the same database, by `redress run-due`,
 * each to a relay of its own.
 */
export async function runBurst(ctx: SendsContext): Promise<BurstFigures> {
  const db = await freshDatabase(ctx.cleanup, ctx.server, 'burst', ctx.log);
  const dataDir = await tempDir(ctx.cleanup, 'redress-bench-burst-');
  const t0 = performance.now();
  const { complaints, acknowledgements } = await storeBurst(ctx, db, dataDir);
  const ingestSeconds = round(since(t0) / 1000, 1);
  progress(`burst: ${complaints} complaints stored in ${ingestSeconds} s, ${acknowledgements} acknowledgements queued (not measured)`);
  const copy = await cloneDatabase(ctx.cleanup, ctx.server, db, 'burst_rundue', ctx.log);

  const worker = await drainWithWorker(ctx, db, dataDir, acknowledgements);
  progress(`burst: the running worker sent ${worker.received} in ${worker.seconds} s = ${worker.perSecond} msg/s (stopped in ${worker.stopSeconds} s, exit ${worker.exitCode})`);
  const runDue = await drainWithRunDue(ctx, copy, dataDir, acknowledgements);
  progress(`burst: run-due sent ${runDue.received} in ${runDue.seconds} s = ${runDue.perSecond} msg/s`);
  return { complaints, acknowledgements, ingestSeconds, worker, runDue, ratio: round(worker.perSecond / (runDue.perSecond || 1), 2) };
}

async function storeBurst(ctx: SendsContext, db: BenchDatabase, dataDir: string): Promise<{ complaints: number; acknowledgements: number }> {
  const app = await openApp(loadConfig({ DATABASE_URL: db.url, REDRESS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS }), { log: ctx.log });
  try {
    const rng = createRng(ctx.cfg.BENCH_SEED + 3);
    const n = ctx.cfg.BENCH_BURST;
    let next = 0;
    const lane = async () => {
      for (let i = next++; i < n; i = next++) await storeOne(app, complaintRaw(makeComplaint(rng, i, app.clock.now())));
    };
    await Promise.all(Array.from({ length: INGEST_LANES }, lane));
    const [row] = await app.db.sql<[{ n: number }]>`select count(*)::int as n from outbound_messages where kind = 'ack' and status = 'queued'`;
    return { complaints: n, acknowledgements: row.n };
  } finally {
    await app.close();
  }
}

async function storeOne(app: App, raw: Buffer): Promise<void> {
  await app.process({ raw, receivedAt: app.clock.now(), source: 'file' });
}

function senderEnv(db: BenchDatabase, dataDir: string, sink: BenchSink): Record<string, string> {
  return { DATABASE_URL: db.url, REDRESS_DATA_DIR: dataDir, SMTP_URL: sink.url, SMTP_ENABLED: 'false', LOG_LEVEL: 'info', COMPLAINTS_ADDRESS };
}

/** Long enough for 50 msg/s; a slower sender fails the bench rather than hold it for an hour. */
const drainTimeoutMs = (n: number) => 30_000 + n * 20;

async function drainWithWorker(ctx: SendsContext, db: BenchDatabase, dataDir: string, expected: number): Promise<BurstFigures['worker']> {
  const sink = await startBenchSink();
  ctx.cleanup.defer('stop the burst relay (worker)', () => sink.stop());
  const started = performance.now();
  const worker = await startWorker(senderEnv(db, dataDir, sink));
  ctx.cleanup.defer('kill the burst worker if still running', async () => {
    if (worker.running()) worker.kill('SIGKILL');
  });
  await sink.until(`${expected} acknowledgements`, () => sink.arrivals.length >= expected, drainTimeoutMs(expected));
  const drained = drainFigures(sink, started, expected);
  const stopAt = performance.now();
  worker.kill('SIGTERM');
  const exit = await worker.exited;
  return { ...drained, recordedSent: await countSent(ctx, db), stopSeconds: round((exit.at - stopAt) / 1000, 2), exitCode: exit.code };
}

async function drainWithRunDue(ctx: SendsContext, db: BenchDatabase, dataDir: string, expected: number): Promise<BurstFigures['runDue']> {
  const sink = await startBenchSink();
  ctx.cleanup.defer('stop the burst relay (run-due)', () => sink.stop());
  const started = performance.now();
  const result = await runRedress(['run-due', '--json'], senderEnv(db, dataDir, sink));
  if (result.code !== 0) throw new Error(`run-due exited ${result.code}: ${result.stderr.slice(-2000)}`);
  await sink.until(`${expected} acknowledgements`, () => sink.arrivals.length >= expected, 5_000);
  return { ...drainFigures(sink, started, expected), recordedSent: await countSent(ctx, db), exitCode: result.code };
}

function drainFigures(sink: BenchSink, started: number, expected: number): Omit<DrainFigures, 'recordedSent'> {
  const first = sink.arrivals[0]!.at;
  const last = sink.arrivals[expected - 1]!.at;
  const distinct = new Set(sink.arrivals.map((a) => a.messageId)).size;
  return {
    seconds: round((last - first) / 1000, 2),
    perSecond: rate(expected - 1, last - first),
    fromStartSeconds: round((last - started) / 1000, 2),
    received: sink.arrivals.length,
    duplicates: sink.arrivals.length - distinct,
  };
}

async function countSent(ctx: SendsContext, db: BenchDatabase): Promise<number> {
  const sql = createPool(db.url, ctx.log, 1);
  try {
    const [row] = await sql<[{ n: number }]>`select count(*)::int as n from outbound_messages where kind = 'ack' and status = 'sent'`;
    return row.n;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
