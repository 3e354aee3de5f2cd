import { performance } from 'node:perf_hooks';
import { openApp } from '../src/app.ts';
import { manualClock } from '../src/clock.ts';
import { loadConfig } from '../src/config.ts';
import { createPool } from '../src/db/pool.ts';
import type { DigestCounts } from '../src/outbound/render.ts';
import { buildDigest, sendDigestIfDue } from '../src/jobs/digest-job.ts';
import { fireDueDeadlines } from '../src/jobs/run-due.ts';
import { seedCases, type SeedCounts } from '../test/helpers/seed-cases.ts';
import { COMPLAINTS_ADDRESS } from './corpus.ts';
import { freshDatabase, tempDir } from './infra.ts';
import { heading, line, progress, round, showSpread, since, spread, type Spread } from './report.ts';
import type { WalkContext } from './walk.ts';

export interface SweepFigures {
  openCases: number;
  seeded: SeedCounts;
  seedSeconds: number;
  /** `sendDigestIfDue` at DIGEST_TIME: every section loaded, composed, rendered and queued (the first, and only, of the day). */
  digestSeconds: number;
  /** `buildDigest` again, warm: loading and composing alone. */
  digestBuildSeconds: Spread;
  digestCounts: DigestCounts;
  /** run-due's deadline firing and the digest check, with nothing due and the day's digest sent. */
  idleSweepSeconds: Spread;
  targets: typeof TARGETS;
  problems: string[];
}

const TARGETS = { idleSweepSeconds: 5, digestSeconds: 3 };
/** A Monday after DIGEST_TIME (08:30 Europe/London). */
const NOW = new Date('2026-11-02T10:00:00Z');
const STAFF = ['rep@redress.test', 'supervisor@redress.test', 'engineering@redress.test', 'director@redress.test'];
const REPEATS = 5;

/**
 * Part 5: run-due's work at BENCH_SWEEP_OPEN_CASES open cases (seeded in SQL with their
 * messages, history and pending deadlines, none of those run-due acts on due yet): the day's
 * digest, then the idle sweep every worker tick pays.
 */
export async function runSweepBench(ctx: WalkContext): Promise<SweepFigures> {
  const n = ctx.cfg.BENCH_SWEEP_OPEN_CASES;
  heading(`6. The sweep and the digest at ${n} open cases`);
  const db = await freshDatabase(ctx.cleanup, ctx.server, 'sweep', ctx.log);
  const dataDir = await tempDir(ctx.cleanup, 'redress-bench-sweep-');
  const sql = createPool(db.url, ctx.log, 1);
  const t0 = performance.now();
  const seeded = await seedCases(sql, { cases: n, openShare: 1, now: NOW, staff: STAFF, seed: ctx.cfg.BENCH_SEED }).finally(() => sql.end({ timeout: 5 }));
  const seedSeconds = round(since(t0) / 1000, 1);
  progress(`seeded ${n} open cases in ${seedSeconds} s (not measured): ${JSON.stringify(seeded)}`);
  const app = await openApp(loadConfig({ DATABASE_URL: db.url, REDRESS_DATA_DIR: dataDir, LOG_LEVEL: 'silent', COMPLAINTS_ADDRESS }), { log: ctx.log, clock: manualClock(NOW) });
  try {
    const [sent, digestSeconds] = await timed(() => sendDigestIfDue(app.digest, NOW));
    progress(`the day's digest queued in ${digestSeconds} s`);
    const builds = [];
    for (let i = 0; i < REPEATS; i += 1) builds.push(await timed(() => buildDigest(app.digest, NOW)));
    const idle = [];
    for (let i = 0; i < REPEATS; i += 1) idle.push(await timed(async () => ({ fired: await fireDueDeadlines(app.runDue, NOW), digest: await sendDigestIfDue(app.digest, NOW) })));
    const figures: SweepFigures = {
      openCases: n,
      seeded,
      seedSeconds,
      digestSeconds,
      digestBuildSeconds: spread(builds.map(([, s]) => s), 3),
      digestCounts: builds[0]![0].counts,
      idleSweepSeconds: spread(idle.map(([, s]) => s), 3),
      targets: TARGETS,
      problems: [],
    };
    figures.problems = checks(figures, sent, idle.map(([r]) => r));
    printSweep(figures);
    return figures;
  } finally {
    await app.close();
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, round(since(t0) / 1000, 3)];
}

function checks(f: SweepFigures, sent: boolean, idle: { fired: number; digest: boolean }[]): string[] {
  const problems: string[] = [];
  if (f.seeded.open !== f.openCases) problems.push(`${f.seeded.open} cases seeded open, not ${f.openCases}`);
  if (!sent) problems.push('the digest was not sent at DIGEST_TIME on a business day');
  if (idle.some((r) => r.fired > 0 || r.digest)) problems.push(`the idle sweep found work: ${JSON.stringify(idle)}`);
  if (f.digestSeconds > TARGETS.digestSeconds) problems.push(`the digest took ${f.digestSeconds} s, over ${TARGETS.digestSeconds} s`);
  if (f.idleSweepSeconds.max > TARGETS.idleSweepSeconds) problems.push(`an idle sweep took ${f.idleSweepSeconds.max} s, over ${TARGETS.idleSweepSeconds} s`);
  return problems;
}

function printSweep(f: SweepFigures): void {
  heading('6. Sweep and digest results');
  line('open cases (seeded, not measured)', `${f.openCases} in ${f.seedSeconds} s`);
  line('digest queued, s', `${f.digestSeconds} (target < ${f.targets.digestSeconds})`);
  line(`digest built again, s (${REPEATS} times)`, showSpread(f.digestBuildSeconds));
  line('digest counts', JSON.stringify(f.digestCounts));
  line(`idle sweep, s (${REPEATS} times)`, `${showSpread(f.idleSweepSeconds)} (target < ${f.targets.idleSweepSeconds})`);
  for (const p of f.problems) line('PROBLEM', p);
}
