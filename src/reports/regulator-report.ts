import type { Sql } from '../db/pool.ts';
import { RedressError } from '../errors.ts';
import { isIsoDate, type BusinessCalendar } from '../policy/calendar.ts';
import { buildReport, type RegulatorReport } from './report.ts';
import { closures, deadlinesDue, lettersIssued, receivedByChannel, timesToAct, withinEightWeeks, type Period } from './report-repo.ts';

export interface ReportDeps {
  sql: Sql;
  calendar: BusinessCalendar;
  adrDays: number;
}

/**
 * `redress report --from DATE --to DATE`: the figures the regulator asks for, over local dates
 * `from` to `to` inclusive in the business time zone, read in one snapshot so they add up.
 */
export async function regulatorReport(deps: ReportDeps, from: string, to: string, now: Date): Promise<RegulatorReport> {
  const period = periodOf(deps.calendar, from, to);
  const timeZone = deps.calendar.settings.timeZone;
  const rows = await deps.sql.begin('isolation level repeatable read read only', async (tx) => ({
    received: await receivedByChannel(tx, period),
    deadlines: await deadlinesDue(tx, period, now),
    times: await timesToAct(tx, period),
    eightWeeks: await withinEightWeeks(tx, period, now, deps.adrDays, timeZone),
    letters: await lettersIssued(tx, period),
    closures: await closures(tx, period),
  }));
  return buildReport(rows, { from, to, time_zone: timeZone, start: period.start.toISOString(), end: period.end.toISOString() }, now);
}

function periodOf(calendar: BusinessCalendar, from: string, to: string): Period {
  for (const [flag, value] of [['--from', from], ['--to', to]] as const) {
    if (!isIsoDate(value)) throw new RedressError('invalid_input', `${flag} must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
  }
  if (from > to) throw new RedressError('invalid_input', `--from ${from} is after --to ${to}`);
  const start = calendar.startOfLocalDate(from);
  return { start, end: calendar.addCalendarDays(calendar.startOfLocalDate(to), 1) };
}
