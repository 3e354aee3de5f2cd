import { performance } from 'node:perf_hooks';
import { createPool } from '../src/db/pool.ts';
import { createBusinessCalendar } from '../src/policy/calendar.ts';
import { regulatorReport } from '../src/reports/regulator-report.ts';
import type { RegulatorReport } from '../src/reports/report.ts';
import { freshDatabase } from './infra.ts';
import { heading, line, progress, round, since } from './report.ts';
import { seedReportCases } from './report-seed.ts';
import type { WalkContext } from './walk.ts';

export interface ReportFigures {
  cases: number;
  seedSeconds: number;
  /** `redress report` for one month (September) and for the whole year, each timed once warm. */
  monthSeconds: number;
  yearSeconds: number;
  /** The year's report counts every seeded case. */
  receivedInYear: number;
  targetSeconds: number;
  problems: string[];
}

const TARGET_SECONDS = 5;

/** 3. `redress report` on BENCH_REPORT_CASES cases: the regulator's figures for a month and a year. */
export async function runReportBench(ctx: WalkContext): Promise<ReportFigures> {
  const n = ctx.cfg.BENCH_REPORT_CASES;
  heading(`4. redress report on ${n} cases`);
  const db = await freshDatabase(ctx.cleanup, ctx.server, 'report', ctx.log);
  const sql = createPool(db.url, ctx.log, 2);
  try {
    const t0 = performance.now();
    await seedReportCases(sql, n, ctx.cfg.BENCH_SEED);
    const seedSeconds = round(since(t0) / 1000, 2);
    progress(`seeded ${n} cases with deadlines and messages in ${seedSeconds} s`);
    const deps = { sql, calendar: createBusinessCalendar(), adrDays: 56 };
    const now = new Date('2027-01-15T12:00:00Z');
    await regulatorReport(deps, '2026-09-01', '2026-09-30', now); // warm: plans and the buffer cache, as a second run would be
    const [month, monthSeconds] = await timed(() => regulatorReport(deps, '2026-09-01', '2026-09-30', now));
    const [year, yearSeconds] = await timed(() => regulatorReport(deps, '2026-01-01', '2026-12-31', now));
    const problems = checks(n, month, year, monthSeconds, yearSeconds);
    const figures = { cases: n, seedSeconds, monthSeconds, yearSeconds, receivedInYear: year.received.total, targetSeconds: TARGET_SECONDS, problems };
    line('cases', n);
    line('seed s', seedSeconds);
    line('report for September s', monthSeconds);
    line('report for the year s', yearSeconds);
    line(`target (each) s`, TARGET_SECONDS);
    for (const p of problems) line('PROBLEM', p);
    return figures;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const result = await fn();
  return [result, round(since(t0) / 1000, 3)];
}

function checks(n: number, month: RegulatorReport, year: RegulatorReport, monthSeconds: number, yearSeconds: number): string[] {
  const problems: string[] = [];
  if (year.received.total !== n) problems.push(`the year's report counts ${year.received.total} cases received, not ${n}`);
  if (month.received.total <= 0 || month.received.total >= n) problems.push(`September's report counts ${month.received.total} cases received`);
  if (monthSeconds > TARGET_SECONDS) problems.push(`the month's report took ${monthSeconds} s, over ${TARGET_SECONDS} s`);
  if (yearSeconds > TARGET_SECONDS) problems.push(`the year's report took ${yearSeconds} s, over ${TARGET_SECONDS} s`);
  return problems;
}
