import { z } from 'zod';

/** Empty strings count as unset, as in src/config.ts. */
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
/** `prefault`, not `default`: zod 4 returns a `default` value as is, skipping coercion and transforms. */
const withDefault = <T extends z.ZodType>(schema: T, value: z.input<T>) => z.preprocess(blankToUndefined, schema.prefault(value as never));
const count = z.coerce.number().int().positive();

const parts = z
  .string()
  .transform((s) => s.split(',').map((p) => p.trim()).filter(Boolean))
  .pipe(z.array(z.enum(['intake', 'walk', 'sends', 'report', 'bigmail', 'sweep'])).min(1));
/** Unset (or empty) keeps the product's own default. */
const optionalCount = z.preprocess(blankToUndefined, count.optional());

/** The one place the benchmark reads the environment: sizes and switches, all with full-size defaults. */
export const benchSchema = z.object({
  /** Postgres server to create the throwaway bench databases on; unset starts an embedded one in a temp dir. */
  DATABASE_URL: z.preprocess(blankToUndefined, z.string().regex(/^postgres(ql)?:\/\//, 'must be postgres://user@host:port/db').optional()),
  /** Complaints for the intake benchmark (part 1). */
  BENCH_MESSAGES: withDefault(count, 5000),
  /** Complaints queued at once for the send burst (part 3): one running worker against run-due. */
  BENCH_BURST: withDefault(count, 5000),
  /** Complaints arriving one at a time through IMAP IDLE for the arrival-to-acknowledgement latency (part 3). */
  BENCH_LATENCY_COMPLAINTS: withDefault(count, 100),
  /** Complaints arriving in the eight-week walk (part 2). */
  BENCH_CASES: withDefault(count, 1000),
  /** Cases seeded for the `redress report` benchmark (part 3). */
  BENCH_REPORT_CASES: withDefault(count, 100_000),
  /** Rounds of the intake benchmark: baseline, intake, and intake on the seeded database, in turn, each on fresh copies of the mailbox. */
  BENCH_INTAKE_ROUNDS: withDefault(count, 3),
  /** Messages of the untimed warm-up (a baseline pass and an intake) before the rounds. */
  BENCH_INTAKE_WARMUP: withDefault(count, 500),
  /** Cases already in the database for the intake's second figure (seeded in SQL); 0 leaves it out. */
  BENCH_INTAKE_SEEDED_CASES: withDefault(z.coerce.number().int().min(0), 100_000),
  /** Open cases seeded for the sweep and digest benchmark (part 6). */
  BENCH_SWEEP_OPEN_CASES: withDefault(count, 100_000),
  /** Messages fetched per IMAP batch, by the baseline and by the source (IMAP_BATCH_SIZE); unset: the product's default. */
  BENCH_IMAP_BATCH: optionalCount,
  /** Messages the source processes side by side when a batch falls back to one at a time (IMAP_CONCURRENCY); unset: the product's default. */
  BENCH_IMAP_CONCURRENCY: optionalCount,
  /** The walk's first arrival day (a Monday, local date); arrivals span the two weeks from it. */
  BENCH_WALK_START: withDefault(z.iso.date(), '2026-08-17'),
  /** Days the walk runs past its last arrival (8 weeks + 1 week). */
  BENCH_WALK_TAIL_DAYS: withDefault(count, 63),
  /** run-due calls replayed on an empty database for the walk's floor (evenly spread over the walk's instants, scaled to all); 0 = all. */
  BENCH_FLOOR_CALLS: withDefault(z.coerce.number().int().min(0), 1500),
  /**
   * Where the walk's outbound mail goes: the .eml file outbox, or the in-process SMTP sink. The sink
   * does not keep up: nodemailer's pooled socket has Nagle on, so each message stalls ~40 ms on the
   * delayed ACK (about 45 ms a send against 7 ms for the file outbox), which would double the walk.
   */
  BENCH_OUTBOUND: withDefault(z.enum(['smtp', 'file']), 'file'),
  /** Which parts to run, comma-separated. */
  BENCH_PARTS: withDefault(parts, 'intake,walk,sends,report,bigmail,sweep'),
  /** The big message's attachment (part 5): 18 MiB makes a 25.8 MB message, just under MAX_MESSAGE_BYTES. */
  BENCH_BIG_ATTACHMENT_MIB: withDefault(count, 18),
  BENCH_SEED: withDefault(z.coerce.number().int(), 20261125),
  /** Hard stop: the whole run gives up (cleaning up) after this many seconds. */
  BENCH_TIMEOUT_SECONDS: withDefault(count, 3600),
});

export type BenchConfig = z.output<typeof benchSchema>;

export function loadBenchConfig(env: Record<string, string | undefined>): BenchConfig {
  const result = benchSchema.safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `  - ${i.path.join('.') || '(config)'}: ${i.message}`);
    throw new Error(`Invalid benchmark configuration:\n${problems.join('\n')}`);
  }
  return result.data;
}

/** Only this module touches process.env. */
export function benchConfigFromEnv(): BenchConfig {
  return loadBenchConfig(process.env);
}
