import { stringify } from 'csv-stringify/sync';
import { table } from '../output.ts';
import { CHANNELS, CLOSURE_REASONS, type Channel, type ClosureReason } from '../vocabulary.ts';
import type { ChannelCount, DeadlineCount, EightWeeks, KindCount, ReasonCount, TimesToAct } from './report-repo.ts';

/**
 * Pure: the regulator's report from the aggregates of one period, and its three renderings
 * (JSON shape, table, CSV). Every figure's meaning is stated once, here and in the README.
 */

/** The deadlines the report counts, in rule order (POLICY.md R1, R3, R6, R7, R12, R14). */
export const REPORTED_DEADLINES = [
  { rule: 'R1', kind: 'ack' },
  { rule: 'R3', kind: 'update' },
  { rule: 'R6', kind: 'engineering_target' },
  { rule: 'R6', kind: 'engineering_overdue' },
  { rule: 'R7', kind: 'director' },
  { rule: 'R12', kind: 'closure' },
  { rule: 'R14', kind: 'adr' },
] as const;

/** The JSON `redress report --format json` prints: a public interface, add fields, never rename. */
export interface RegulatorReport {
  period: { from: string; to: string; time_zone: string; start: string; end: string };
  generated_at: string;
  /** Complaints received in the period. */
  received: { total: number; by_channel: Record<Channel, number> };
  /** Deadlines that fell due in the period: met, missed (kept late), overdue (still not kept at generated_at). */
  deadlines: { rule: string; kind: string; met: number; missed: number; overdue: number; worst_late_seconds: number | null }[];
  /** Complaints received in the period that were acknowledged / given an outcome, and how long that took. */
  time_to_acknowledgement: Durations;
  time_to_outcome: Durations;
  /** Complaints received in the period (withdrawn aside): outcome within 8 weeks, not, or 8 weeks not yet over. */
  resolved_within_8_weeks: { resolved: number; not_resolved: number; not_yet_due: number; share: number | null };
  /** Issued in the period. */
  adr_notices: number;
  deadlock_letters: number;
  /** Cases closed in the period, by how. */
  closures: Record<ClosureReason, number>;
}

export interface Durations {
  cases: number;
  median_seconds: number | null;
  p95_seconds: number | null;
}

export interface ReportRows {
  received: ChannelCount[];
  deadlines: DeadlineCount[];
  times: TimesToAct;
  eightWeeks: EightWeeks;
  letters: KindCount[];
  closures: ReasonCount[];
}

export function buildReport(rows: ReportRows, period: RegulatorReport['period'], generatedAt: Date): RegulatorReport {
  const byChannel = Object.fromEntries(CHANNELS.map((c) => [c, countOf(rows.received, (r) => r.channel === c)])) as RegulatorReport['received']['by_channel'];
  const { resolved, not_resolved, not_yet_due } = rows.eightWeeks;
  return {
    period,
    generated_at: generatedAt.toISOString(),
    received: { total: rows.received.reduce((n, r) => n + r.n, 0), by_channel: byChannel },
    deadlines: REPORTED_DEADLINES.map(({ rule, kind }) => {
      const d = rows.deadlines.find((x) => x.kind === kind);
      return { rule, kind, met: d?.met ?? 0, missed: d?.missed ?? 0, overdue: d?.overdue ?? 0, worst_late_seconds: seconds(d?.worst_late_seconds) };
    }),
    time_to_acknowledgement: durations(rows.times.acknowledgement),
    time_to_outcome: durations(rows.times.outcome),
    resolved_within_8_weeks: { resolved, not_resolved, not_yet_due, share: resolved + not_resolved === 0 ? null : round(resolved / (resolved + not_resolved), 4) },
    adr_notices: countOf(rows.letters, (l) => l.kind === 'adr_notice'),
    deadlock_letters: countOf(rows.letters, (l) => l.kind === 'deadlock_letter'),
    closures: Object.fromEntries(CLOSURE_REASONS.map((c) => [c, countOf(rows.closures, (r) => r.reason === c)])) as RegulatorReport['closures'],
  };
}

/** For people: sections, a deadlines table, durations in days, hours and minutes. */
export function reportTable(r: RegulatorReport): string {
  const line = (label: string, value: string | number) => `${label.padEnd(28)}${value}`;
  const w = r.resolved_within_8_weeks;
  const c = r.closures;
  return [
    `Complaints report ${r.period.from} to ${r.period.to} (${r.period.time_zone}), generated ${r.generated_at}`,
    '',
    line('Complaints received', r.received.total),
    ...CHANNELS.map((ch) => line(`  ${ch}`, r.received.by_channel[ch])),
    '',
    'Deadlines due in the period',
    indent(table(r.deadlines.map((d) => ({ ...d, worst_lateness: d.worst_late_seconds === null ? '-' : humanDuration(d.worst_late_seconds) })), ['rule', 'kind', 'met', 'missed', 'overdue', 'worst_lateness'])),
    '',
    line('Time to acknowledgement', describeDurations(r.time_to_acknowledgement)),
    line('Time to outcome', describeDurations(r.time_to_outcome)),
    line('Resolved within 8 weeks', `${w.share === null ? '-' : `${round(w.share * 100, 1)}%`} (${w.resolved} of ${w.resolved + w.not_resolved}; ${w.not_yet_due} not yet 8 weeks old)`),
    line('ADR notices issued', r.adr_notices),
    line('Deadlock letters issued', r.deadlock_letters),
    line('Closures', `${c.confirmed} confirmed, ${c.no_response} no response, ${c.withdrawn} withdrawn`),
  ].join('\n');
}

/** For spreadsheets: one figure per row (section, item, measure, value); durations in seconds. */
export function reportCsv(r: RegulatorReport): string {
  const rows: (string | number | null)[][] = [
    ['period', 'from', 'date', r.period.from],
    ['period', 'to', 'date', r.period.to],
    ['period', 'time_zone', 'name', r.period.time_zone],
    ['received', 'total', 'count', r.received.total],
    ...CHANNELS.map((ch) => ['received', ch, 'count', r.received.by_channel[ch]]),
    ...r.deadlines.flatMap((d) => (['met', 'missed', 'overdue', 'worst_late_seconds'] as const).map((m) => ['deadline', `${d.rule} ${d.kind}`, m, d[m]])),
    ...(['cases', 'median_seconds', 'p95_seconds'] as const).map((m) => ['time_to_acknowledgement', 'all', m, r.time_to_acknowledgement[m]]),
    ...(['cases', 'median_seconds', 'p95_seconds'] as const).map((m) => ['time_to_outcome', 'all', m, r.time_to_outcome[m]]),
    ...(['resolved', 'not_resolved', 'not_yet_due', 'share'] as const).map((m) => ['resolved_within_8_weeks', 'all', m, r.resolved_within_8_weeks[m]]),
    ['letters', 'adr_notice', 'count', r.adr_notices],
    ['letters', 'deadlock_letter', 'count', r.deadlock_letters],
    ...CLOSURE_REASONS.map((c) => ['closures', c, 'count', r.closures[c]]),
  ];
  return stringify([['section', 'item', 'measure', 'value'], ...rows]);
}

/** 45 s, 12 min, 3 h 05 min, 2 d 4 h. */
export function humanDuration(totalSeconds: number): string {
  const s = Math.round(totalSeconds);
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

function describeDurations(d: Durations): string {
  if (d.cases === 0 || d.median_seconds === null || d.p95_seconds === null) return '- (none yet)';
  return `median ${humanDuration(d.median_seconds)}, 95th percentile ${humanDuration(d.p95_seconds)} (${d.cases} ${d.cases === 1 ? 'case' : 'cases'})`;
}

function durations(d: Durations): Durations {
  return { cases: d.cases, median_seconds: seconds(d.median_seconds), p95_seconds: seconds(d.p95_seconds) };
}

function seconds(v: number | null | undefined): number | null {
  return v === null || v === undefined ? null : round(Number(v), 0);
}

function countOf<T extends { n: number }>(rows: T[], match: (r: T) => boolean): number {
  return rows.filter(match).reduce((n, r) => n + r.n, 0);
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n');
}
