import { createPool } from '../src/db/pool.ts';
import { TEST_AUTHSERV_ID } from '../test/helpers/app.ts';
import type { Dovecot } from '../test/helpers/dovecot.ts';
import { startWorker } from '../test/helpers/worker.ts';
import { COMPLAINTS_ADDRESS, complaintRaw, makeComplaint } from './corpus.ts';
import { freshDatabase, tempDir } from './infra.ts';
import { createRng } from './random.ts';
import { progress, round } from './report.ts';
import type { SendsContext } from './send-burst.ts';
import { startBenchSink, type BenchSink } from './sink.ts';

export interface LatencyFigures {
  complaints: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  meanMs: number;
  /** Where the time goes: APPEND done to the intake transaction starting (IDLE news, fetch), and from there to the relay. */
  split: { toIntakeP50Ms: number; toIntakeP95Ms: number; intakeToAckP50Ms: number; intakeToAckP95Ms: number };
}

interface Sample {
  complaintId: string;
  /** Epoch ms (the database's ingested_at is compared with these). */
  arrivedAt: number;
  ackAt: number;
}

/** Pause between one complaint's acknowledgement and the next complaint, in ms: arrivals one at a time. */
const GAP_MS: [number, number] = [100, 600];
const ACK_TIMEOUT_MS = 30_000;

/**
 * BENCH_LATENCY_COMPLAINTS complaints APPENDed one at a time to the mailbox a running worker
 * reads with IDLE; for each, the time from the APPEND completing (the complaint is in the
 * mailbox) to its acknowledgement reaching the relay.
 */
export async function runLatency(ctx: SendsContext, dovecot: Dovecot): Promise<LatencyFigures> {
  const db = await freshDatabase(ctx.cleanup, ctx.server, 'latency', ctx.log);
  const dataDir = await tempDir(ctx.cleanup, 'redress-bench-latency-');
  const sink = await startBenchSink();
  ctx.cleanup.defer('stop the latency relay', () => sink.stop());
  const user = `bench-latency-${ctx.cfg.BENCH_SEED}`;
  // IMAP mail comes through an MTA, whose Authentication-Results id the worker must be told.
  const mta = { AUTHSERV_ID: TEST_AUTHSERV_ID };
  const worker = await startWorker({ DATABASE_URL: db.url, REDRESS_DATA_DIR: dataDir, SMTP_URL: sink.url, SMTP_ENABLED: 'false', IMAP_URL: dovecot.url(user), COMPLAINTS_ADDRESS, ...mta });
  ctx.cleanup.defer('kill the latency worker if still running', async () => {
    if (worker.running()) worker.kill('SIGKILL');
  });
  await worker.waitForLog('took the mailbox lock');
  const rng = createRng(ctx.cfg.BENCH_SEED + 5);
  const arrive = async (i: number): Promise<Sample> => {
    const complaint = makeComplaint(rng, i, new Date());
    await dovecot.append(user, complaintRaw(complaint));
    const arrivedAt = performance.timeOrigin + performance.now();
    await sink.until(`the acknowledgement of ${complaint.messageId}`, () => ackOf(sink, complaint.messageId) !== undefined, ACK_TIMEOUT_MS);
    return { complaintId: complaint.messageId, arrivedAt, ackAt: performance.timeOrigin + ackOf(sink, complaint.messageId)! };
  };
  const n = ctx.cfg.BENCH_LATENCY_COMPLAINTS;
  await arrive(n); // warm-up (not counted): the first message pays for connections and prepared statements
  const samples: Sample[] = [];
  const latencies: number[] = [];
  for (let i = 0; i < n; i += 1) {
    const sample = await arrive(i);
    samples.push(sample);
    latencies.push(sample.ackAt - sample.arrivedAt);
    if ((i + 1) % Math.max(10, Math.floor(n / 5)) === 0) progress(`  latency: ${i + 1}/${n} (p95 so far ${round(percentile(latencies, 0.95), 0)} ms)`);
    await new Promise((r) => setTimeout(r, rng.int(...GAP_MS)));
  }
  worker.kill('SIGTERM');
  await worker.exited;
  const split = await splitLatency(ctx, db.url, samples);
  return {
    complaints: n,
    p50Ms: round(percentile(latencies, 0.5), 0),
    p95Ms: round(percentile(latencies, 0.95), 0),
    maxMs: round(Math.max(...latencies), 0),
    meanMs: round(latencies.reduce((a, b) => a + b, 0) / latencies.length, 0),
    split,
  };
}

async function splitLatency(ctx: SendsContext, url: string, samples: Sample[]): Promise<LatencyFigures['split']> {
  const sql = createPool(url, ctx.log, 1);
  try {
    const rows = await sql<{ message_id: string; ingested_at: Date }[]>`select message_id, ingested_at from inbound_messages`;
    const ingested = new Map(rows.map((r) => [r.message_id, r.ingested_at.getTime()]));
    const toIntake = samples.map((s) => (ingested.get(s.complaintId) ?? s.ackAt) - s.arrivedAt);
    const toAck = samples.map((s) => s.ackAt - (ingested.get(s.complaintId) ?? s.arrivedAt));
    return {
      toIntakeP50Ms: round(percentile(toIntake, 0.5), 0),
      toIntakeP95Ms: round(percentile(toIntake, 0.95), 0),
      intakeToAckP50Ms: round(percentile(toAck, 0.5), 0),
      intakeToAckP95Ms: round(percentile(toAck, 0.95), 0),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function ackOf(sink: BenchSink, complaintId: string): number | undefined {
  return sink.arrivals.find((a) => a.inReplyTo === complaintId)?.at;
}

/** Nearest rank. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? 0;
}
