import { describe, expect, it } from 'vitest';
import { buildReport, humanDuration, reportTable } from '../../src/reports/report.ts';

const PERIOD = { from: '2026-09-01', to: '2026-09-30', time_zone: 'Europe/London', start: '2026-08-31T23:00:00.000Z', end: '2026-09-30T23:00:00.000Z' };
const NONE = { cases: 0, median_seconds: null, p95_seconds: null };

describe("the regulator's report from its aggregates (pure)", () => {
  it('a quiet period reports every channel, rule and closure as zero, and no share rather than a made-up one', () => {
    const r = buildReport({ received: [], deadlines: [], times: { acknowledgement: NONE, outcome: NONE }, eightWeeks: { resolved: 0, not_resolved: 0, not_yet_due: 0 }, letters: [], closures: [] }, PERIOD, new Date('2026-10-01T09:00:00Z'));
    expect(r.received).toEqual({ total: 0, by_channel: { email: 0, phone: 0, portal: 0, letter: 0 } });
    expect(r.deadlines.map((d) => [d.rule, d.kind, d.met, d.missed, d.overdue, d.worst_late_seconds])).toEqual([
      ['R1', 'ack', 0, 0, 0, null],
      ['R3', 'update', 0, 0, 0, null],
      ['R6', 'engineering_target', 0, 0, 0, null],
      ['R6', 'engineering_overdue', 0, 0, 0, null],
      ['R7', 'director', 0, 0, 0, null],
      ['R12', 'closure', 0, 0, 0, null],
      ['R14', 'adr', 0, 0, 0, null],
    ]);
    expect(r.resolved_within_8_weeks.share).toBeNull();
    expect(r.closures).toEqual({ confirmed: 0, no_response: 0, withdrawn: 0 });
    expect(reportTable(r)).toContain('Time to acknowledgement     - (none yet)');
    expect(reportTable(r)).toContain('Resolved within 8 weeks     - (0 of 0; 0 not yet 8 weeks old)');
  });

  it('rounds durations to whole seconds and the share to four places', () => {
    const r = buildReport(
      {
        received: [{ channel: 'email', n: 3 }],
        deadlines: [{ kind: 'ack', met: 2, missed: 1, overdue: 0, worst_late_seconds: 90.4 }],
        times: { acknowledgement: { cases: 3, median_seconds: 60.6, p95_seconds: 119.5 }, outcome: NONE },
        eightWeeks: { resolved: 2, not_resolved: 1, not_yet_due: 0 },
        letters: [{ kind: 'adr_notice', n: 2 }],
        closures: [{ reason: 'no_response', n: 1 }],
      },
      PERIOD,
      new Date('2026-10-01T09:00:00Z'),
    );
    expect(r.deadlines[0]).toEqual({ rule: 'R1', kind: 'ack', met: 2, missed: 1, overdue: 0, worst_late_seconds: 90 });
    expect(r.time_to_acknowledgement).toEqual({ cases: 3, median_seconds: 61, p95_seconds: 120 });
    expect(r.resolved_within_8_weeks.share).toBe(0.6667);
    expect([r.adr_notices, r.deadlock_letters, r.closures.no_response]).toEqual([2, 0, 1]);
  });

  it.each([
    [45, '45 s'],
    [720, '12 min'],
    [3 * 3600 + 5 * 60, '3 h 05 min'],
    [2 * 86400 + 4 * 3600 + 59 * 60, '2 d 4 h'],
  ])('%i seconds read as %s', (seconds, text) => {
    expect(humanDuration(seconds)).toBe(text);
  });
});
