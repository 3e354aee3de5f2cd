import { performance } from 'node:perf_hooks';
import { openApp } from '../src/app.ts';
import { manualClock } from '../src/clock.ts';
import { runDue } from '../src/jobs/run-due.ts';
import { freshDatabase, tempDir } from './infra.ts';
import { heading, line, progress, round, since, table } from './report.ts';
import { runWalk, walkConfig, type WalkContext, type WalkRun } from './walk.ts';
import { pivot } from './walk-report.ts';

export interface WalkFigures extends Omit<WalkRun, 'instants' | 'facts'> {
  /** run-due on an empty database at the walk's instants: `sampled` calls timed, `seconds` scaled to all of them. */
  floor: { seconds: number; calls: number; sampled: number; msPerCall: number; ratioWall: number; ratioRunDue: number };
  outbound: WalkRun['facts']['outbound'];
  sentByKind: Record<string, number>;
  deadlines: WalkRun['facts']['deadlines'];
  deadlinesByStatus: Record<string, number>;
  maxLatenessMetSeconds: number;
  casesByStatus: WalkRun['facts']['cases'];
  inbound: Record<string, number>;
  missed: number;
  missedSystemKept: number;
  missedStaffObligations: number;
  missedList: WalkRun['facts']['missed'];
}

export async function runWalkBench(ctx: WalkContext): Promise<WalkFigures> {
  heading(`2. The ${ctx.cfg.BENCH_CASES}-case eight-week walk with run-due`);
  const run = await runWalk(ctx);
  const sample = floorSample(run.instants, ctx.cfg.BENCH_FLOOR_CALLS);
  progress(`floor: run-due on an empty database at ${sample.length} of the walk's ${run.runDueCalls} instants (evenly spread), scaled to all`);
  const floorPerCall = (await runFloor(ctx, sample)) / Math.max(1, sample.length);
  const floorMs = floorPerCall * run.runDueCalls;
  const { instants: _instants, facts, ...rest } = run;
  const missedSystemKept = facts.missed.filter((m) => m.systemKept).length;
  const figures: WalkFigures = {
    ...rest,
    floor: {
      seconds: round(floorMs / 1000, 2),
      calls: run.runDueCalls,
      sampled: sample.length,
      msPerCall: round(floorPerCall, 2),
      ratioWall: round(run.wallSeconds / (floorMs / 1000), 2),
      ratioRunDue: round(run.split.runDueSeconds / (floorMs / 1000), 2),
    },
    outbound: facts.outbound,
    sentByKind: facts.sentByKind,
    deadlines: facts.deadlines,
    deadlinesByStatus: facts.deadlinesByStatus,
    maxLatenessMetSeconds: facts.maxLatenessMetSeconds,
    casesByStatus: facts.cases,
    inbound: facts.inbound,
    missed: facts.missed.length,
    missedSystemKept,
    missedStaffObligations: facts.missed.length - missedSystemKept,
    missedList: facts.missed,
  };
  printWalk(figures);
  return figures;
}

/** `max` instants spread evenly over the walk (all when max is 0 or covers them). */
function floorSample(instants: Date[], max: number): Date[] {
  if (max === 0 || instants.length <= max) return instants;
  return Array.from({ length: max }, (_, i) => instants[Math.floor((i * instants.length) / max)]!);
}

/** The overhead floor: run-due at the same instants on an empty, migrated database. */
async function runFloor(ctx: WalkContext, instants: Date[]): Promise<number> {
  const db = await freshDatabase(ctx.cleanup, ctx.server, 'floor', ctx.log);
  const dataDir = await tempDir(ctx.cleanup, 'redress-bench-floor-');
  const clock = manualClock(instants[0] ?? new Date());
  const app = await openApp(walkConfig(db.url, dataDir), { log: ctx.log, clock });
  try {
    const t0 = performance.now();
    for (const at of instants) {
      clock.set(at);
      await runDue(app.runDue);
    }
    return since(t0);
  } finally {
    await app.close();
  }
}

function printWalk(f: WalkFigures): void {
  heading('2. Walk results');
  line('simulated', `${f.start} .. ${f.end} (${f.cases} cases)`);
  line('wall time', `${f.wallSeconds} s`);
  line('run-due calls', f.runDueCalls);
  line('  time in run-due / intake / staff / planner', `${f.split.runDueSeconds} / ${f.split.intakeSeconds} / ${f.split.staffSeconds} / ${f.split.plannerSeconds} s`);
  line('  run-due ms p50 / p95 / max', `${f.runDueMs.p50} / ${f.runDueMs.p95} / ${f.runDueMs.max} (max at ${f.runDueMs.maxAt})`);
  line('floor: same calls on an empty database', `${f.floor.seconds} s (${f.floor.msPerCall} ms/call over ${f.floor.sampled} sampled calls)`);
  line('ratio walk wall / floor', f.floor.ratioWall);
  line('ratio time in run-due / floor', f.floor.ratioRunDue);
  line('run-due totals', JSON.stringify(f.totals));
  line('run-due calls after / before 08:30 (mean ms)', `${f.digestTime.callsAfter} (${f.digestTime.meanMsAfter}) / ${f.digestTime.callsBefore} (${f.digestTime.meanMsBefore})`);
  line(
    'digest re-built per call after 08:30',
    `${f.digestTime.recheckMs} ms (sendDigestIfDue on a claimed day, ${f.digestTime.recheckAt}) x ${f.digestTime.callsAfter} calls = ~${f.digestTime.wastedSeconds} s`,
  );
  line('case fates planned', JSON.stringify(f.fates));
  line('customer answers (intended -> classified)', JSON.stringify(f.answers));
  line('inbound kinds', JSON.stringify(f.inbound));
  line('cases by status', f.casesByStatus.map((c) => `${c.status}${c.closure_reason ? `/${c.closure_reason}` : ''} ${c.n}`).join(', '));
  if (Object.keys(f.refused).length > 0) line('staff actions refused', JSON.stringify(f.refused));
  if (Object.keys(f.sinkReceived).length > 0) line('SMTP sink received (by X-Redress-Kind)', JSON.stringify(f.sinkReceived));
  process.stdout.write('\n  messages by kind and status (outbound_messages):\n');
  table(pivot(f.outbound, ['queued', 'sent', 'failed', 'bounced', 'suppressed']), ['kind', 'queued', 'sent', 'failed', 'bounced', 'suppressed', 'total']);
  process.stdout.write('\n  deadlines by kind and status:\n');
  table(pivot(f.deadlines, ['met', 'missed', 'cancelled', 'replanned', 'pending']), ['kind', 'met', 'missed', 'cancelled', 'replanned', 'pending', 'total']);
  line('deadlines by status', JSON.stringify(f.deadlinesByStatus));
  line('latest a run-due deadline was met', `${f.maxLatenessMetSeconds} s after due`);
  line('DEADLINES MISSED', `${f.missed} (run-due kept: ${f.missedSystemKept}, staff obligations: ${f.missedStaffObligations})`);
  if (f.missedList.length > 0) {
    table(
      f.missedList.slice(0, 40).map((m) => ({ case: m.reference, kind: m.kind, rule: m.rule, status: m.status, due: m.dueAt, late: formatLate(m.lateSeconds) })),
      ['case', 'kind', 'rule', 'status', 'due', 'late'],
    );
    if (f.missedList.length > 40) process.stdout.write(`  ... and ${f.missedList.length - 40} more (all in the JSON line)\n`);
  }
  for (const p of f.problems) line('PROBLEM', p);
}

function formatLate(seconds: number): string {
  if (seconds < 3600) return `${seconds} s`;
  if (seconds < 86_400) return `${round(seconds / 3600, 1)} h`;
  return `${round(seconds / 86_400, 1)} d`;
}
