import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBusinessCalendar } from '../../src/policy/calendar.ts';
import { regulatorReport } from '../../src/reports/regulator-report.ts';
import { reportCsv, reportTable, type RegulatorReport } from '../../src/reports/report.ts';
import { createTestDb, type TestDb } from '../helpers/db.ts';

/**
 * The regulator's report over a small case set whose every figure was counted by hand. Period:
 * September 2026 in London (BST), 2026-08-31T23:00Z to 2026-09-30T23:00Z; the report is run on
 * Thursday 5 November 2026, 12:00Z.
 */
const NOW = new Date('2026-11-05T12:00:00Z');

interface Case {
  ref: string;
  channel: string;
  received: string;
  acked?: string;
  outcome?: string;
  status: string;
  closed?: string;
  reason?: string;
}

const CASES: Case[] = [
  // in the period
  { ref: 'C1', channel: 'email', received: '2026-09-01T09:00:00Z', acked: '2026-09-01T09:10:00Z', outcome: '2026-09-10T09:00:00Z', status: 'closed', closed: '2026-09-12T10:00:00Z', reason: 'confirmed' },
  { ref: 'C2', channel: 'phone', received: '2026-09-02T10:00:00Z', acked: '2026-09-02T11:00:00Z', outcome: '2026-11-02T10:00:00Z', status: 'awaiting_confirmation' },
  { ref: 'C3', channel: 'portal', received: '2026-09-05T12:00:00Z', acked: '2026-09-05T12:30:00Z', status: 'open' },
  { ref: 'C4', channel: 'letter', received: '2026-09-20T08:00:00Z', acked: '2026-09-20T10:00:00Z', status: 'open' },
  { ref: 'C5', channel: 'email', received: '2026-09-25T14:00:00Z', acked: '2026-09-25T14:05:00Z', status: 'withdrawn', closed: '2026-09-26T10:00:00Z', reason: 'withdrawn' },
  { ref: 'C8', channel: 'email', received: '2026-09-28T10:00:00Z', status: 'new' },
  { ref: 'C10', channel: 'portal', received: '2026-08-31T23:30:00Z', status: 'open' }, // 00:30 on 1 September in London
  // outside the period
  { ref: 'C6', channel: 'email', received: '2026-08-25T10:00:00Z', acked: '2026-08-25T10:01:00Z', outcome: '2026-09-03T10:00:00Z', status: 'closed', closed: '2026-09-10T10:00:00Z', reason: 'no_response' },
  { ref: 'C7', channel: 'email', received: '2026-10-02T10:00:00Z', acked: '2026-10-02T10:01:00Z', outcome: '2026-10-03T10:00:00Z', status: 'closed', closed: '2026-10-05T10:00:00Z', reason: 'confirmed' },
  { ref: 'C9', channel: 'email', received: '2026-07-10T10:00:00Z', acked: '2026-07-10T10:01:00Z', status: 'open' },
  { ref: 'C11', channel: 'phone', received: '2026-09-30T23:30:00Z', status: 'new' }, // 00:30 on 1 October in London
];

/** [case, kind, due_at, status, resolved_at] */
const DEADLINES: [string, string, string, string, string | null][] = [
  ['C1', 'ack', '2026-09-02T09:00:00Z', 'met', '2026-09-01T09:10:00Z'],
  ['C2', 'ack', '2026-09-03T10:00:00Z', 'met', '2026-09-02T11:00:00Z'],
  ['C3', 'ack', '2026-09-07T12:00:00Z', 'met', '2026-09-05T12:30:00Z'],
  ['C4', 'ack', '2026-09-21T08:00:00Z', 'missed', '2026-09-21T11:00:00Z'], // 3 h late
  ['C5', 'ack', '2026-09-28T14:00:00Z', 'met', '2026-09-25T14:05:00Z'],
  ['C8', 'ack', '2026-09-29T10:00:00Z', 'pending', null], // overdue by 37 d 2 h at NOW
  ['C7', 'ack', '2026-10-03T10:00:00Z', 'met', '2026-10-02T10:01:00Z'], // due outside the period
  ['C1', 'review', '2026-09-02T09:00:00Z', 'met', '2026-09-01T10:00:00Z'], // R4: not in the report
  ['C2', 'update', '2026-09-09T11:00:00Z', 'met', '2026-09-09T11:00:00Z'],
  ['C3', 'update', '2026-09-12T12:00:00Z', 'replanned', '2026-09-08T12:00:00Z'],
  ['C3', 'update', '2026-09-19T12:00:00Z', 'missed', '2026-09-20T12:00:00Z'], // 1 d late
  ['C4', 'update', '2026-11-10T08:00:00Z', 'pending', null],
  ['C3', 'engineering_target', '2026-09-10T12:00:00Z', 'met', '2026-09-09T12:00:00Z'],
  ['C3', 'engineering_overdue', '2026-09-12T12:00:00Z', 'cancelled', '2026-09-09T12:00:00Z'],
  ['C2', 'director', '2026-09-20T10:00:00Z', 'missed', '2026-09-22T10:00:00Z'], // 2 d late
  ['C6', 'closure', '2026-09-10T10:00:00Z', 'met', '2026-09-10T10:00:00Z'],
  ['C1', 'closure', '2026-09-17T09:00:00Z', 'cancelled', '2026-09-12T10:00:00Z'],
  ['C9', 'adr', '2026-09-04T10:00:00Z', 'met', '2026-09-04T10:00:00Z'],
  ['C2', 'adr', '2026-10-28T11:00:00Z', 'pending', null], // due outside the period
];

/** [case, kind, created_at, status] */
const OUTBOUND: [string, string, string, string][] = [
  ['C9', 'adr_notice', '2026-09-04T10:00:00Z', 'sent'],
  ['C3', 'adr_notice', '2026-09-15T10:00:00Z', 'suppressed'], // held back by the daily cap: not issued
  ['C2', 'deadlock_letter', '2026-09-21T10:00:00Z', 'sent'],
  ['C7', 'deadlock_letter', '2026-10-06T10:00:00Z', 'sent'],
  ['C1', 'ack', '2026-09-01T09:10:00Z', 'sent'],
];

describe("redress report: the regulator's figures against a hand-counted case set", () => {
  let db: TestDb;
  let report: RegulatorReport;

  beforeAll(async () => {
    db = await createTestDb();
    const [customer] = await db.sql<{ id: bigint }[]>`insert into customers (email) values ('pat@example.com') returning id`;
    const ids = new Map<string, bigint>();
    for (const c of CASES) {
      const [row] = await db.sql<{ id: bigint }[]>`
        insert into cases (reference, token, customer_id, channel, received_at, acknowledged_at, outcome_sent_at, status, closed_at, closure_reason)
        values (${c.ref}, ${`token${c.ref}`}, ${customer!.id}, ${c.channel}, ${c.received}, ${c.acked ?? null}, ${c.outcome ?? null}, ${c.status}, ${c.closed ?? null}, ${c.reason ?? null})
        returning id`;
      ids.set(c.ref, row!.id);
    }
    for (const [ref, kind, due, status, resolved] of DEADLINES) {
      await db.sql`insert into deadlines (case_id, rule, kind, due_at, status, created_at, resolved_at) values (${ids.get(ref)!}, 'R', ${kind}, ${due}, ${status}, ${due}, ${resolved})`;
    }
    for (const [i, [ref, kind, created, status]] of OUTBOUND.entries()) {
      await db.sql`insert into outbound_messages (case_id, kind, idempotency_key, message_id, to_addresses, subject, status, created_at)
        values (${ids.get(ref)!}, ${kind}, ${`key${i}`}, ${`m${i}@redress.test`}, ${['pat@example.com']}, 'subject', ${status}, ${created})`;
    }
    const calendar = createBusinessCalendar({ timeZone: 'Europe/London', holidayRegion: 'GB-ENG' });
    report = await regulatorReport({ sql: db.sql, calendar, adrDays: 56 }, '2026-09-01', '2026-09-30', NOW);
  });
  afterAll(() => db.drop());

  it('counts complaints received in the period by channel, local dates at both ends', () => {
    expect(report.period).toEqual({ from: '2026-09-01', to: '2026-09-30', time_zone: 'Europe/London', start: '2026-08-31T23:00:00.000Z', end: '2026-09-30T23:00:00.000Z' });
    expect(report.received).toEqual({ total: 7, by_channel: { email: 3, phone: 1, portal: 2, letter: 1 } });
  });

  it('per rule: deadlines due in the period met, missed and still overdue, with the worst lateness', () => {
    expect(report.deadlines).toEqual([
      { rule: 'R1', kind: 'ack', met: 4, missed: 1, overdue: 1, worst_late_seconds: 37 * 86400 + 2 * 3600 },
      { rule: 'R3', kind: 'update', met: 1, missed: 1, overdue: 0, worst_late_seconds: 86400 },
      { rule: 'R6', kind: 'engineering_target', met: 1, missed: 0, overdue: 0, worst_late_seconds: null },
      { rule: 'R6', kind: 'engineering_overdue', met: 0, missed: 0, overdue: 0, worst_late_seconds: null },
      { rule: 'R7', kind: 'director', met: 0, missed: 1, overdue: 0, worst_late_seconds: 2 * 86400 },
      { rule: 'R12', kind: 'closure', met: 1, missed: 0, overdue: 0, worst_late_seconds: null },
      { rule: 'R14', kind: 'adr', met: 1, missed: 0, overdue: 0, worst_late_seconds: null },
    ]);
  });

  it('median and 95th percentile time to acknowledgement and to outcome (interpolated)', () => {
    // Acknowledged in 300, 600, 1800, 3600 and 7200 s: median 1800; p95 at 3.8 of 4 steps: 3600 + 0.8 * 3600.
    expect(report.time_to_acknowledgement).toEqual({ cases: 5, median_seconds: 1800, p95_seconds: 6480 });
    // Outcomes after 9 days (777600 s) and 61 days (5270400 s).
    expect(report.time_to_outcome).toEqual({ cases: 2, median_seconds: 3024000, p95_seconds: 777600 + 0.95 * (5270400 - 777600) });
  });

  it('the share resolved within 8 weeks counts only complaints whose 8 weeks are over, withdrawn ones aside', () => {
    // C1 in time; C2 (outcome after 61 days), C3 and C10 past 8 weeks without one; C4 and C8 not yet 8 weeks old; C5 withdrawn.
    expect(report.resolved_within_8_weeks).toEqual({ resolved: 1, not_resolved: 3, not_yet_due: 2, share: 0.25 });
  });

  it('ADR notices and deadlock letters issued, and closures by confirmation, by silence and withdrawn, in the period', () => {
    expect([report.adr_notices, report.deadlock_letters]).toEqual([1, 1]);
    expect(report.closures).toEqual({ confirmed: 1, no_response: 1, withdrawn: 1 });
  });

  it('prints the same figures as a table and as CSV', () => {
    const text = reportTable(report);
    expect(text.split('\n').slice(0, 8)).toEqual([
      'Complaints report 2026-09-01 to 2026-09-30 (Europe/London), generated 2026-11-05T12:00:00.000Z',
      '',
      'Complaints received         7',
      '  email                     3',
      '  phone                     1',
      '  portal                    2',
      '  letter                    1',
      '',
    ]);
    expect(text).toContain('  R1    ack                  4    1       1        37 d 2 h');
    expect(text).toContain('Time to acknowledgement     median 30 min, 95th percentile 1 h 48 min (5 cases)');
    expect(text).toContain('Resolved within 8 weeks     25% (1 of 4; 2 not yet 8 weeks old)');
    expect(text).toContain('Closures                    1 confirmed, 1 no response, 1 withdrawn');
    const csv = reportCsv(report).split('\n');
    expect(csv[0]).toBe('section,item,measure,value');
    expect(csv).toEqual(expect.arrayContaining(['received,portal,count,2', 'deadline,R1 ack,missed,1', 'deadline,R1 ack,worst_late_seconds,3204000', 'resolved_within_8_weeks,all,share,0.25', 'letters,deadlock_letter,count,1', 'closures,no_response,count,1']));
  });
});
