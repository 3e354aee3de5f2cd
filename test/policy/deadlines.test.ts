import { describe, expect, it } from 'vitest';

import {
  ACTIONABLE_DEADLINES,
  adrNoticeOwed,
  DEADLINE_RULES,
  planDeadlines,
  reconcileDeadlines,
  type DeadlineFacts,
  type DeadlineKind,
  type PlannedDeadline,
  type StoredDeadline,
} from '../../src/policy/deadlines.ts';
import { DEFAULT_POLICY, type PolicySettings } from '../../src/policy/settings.ts';
import { at, calendar, caseFacts, RECEIVED } from '../cases/case-facts.ts';

// Every instant carries an explicit offset: Europe/London is +00:00 in winter, +01:00 from
// the last Sunday of March (29 March 2026) to the last Sunday of October (25 October 2026).
const cal = calendar;

/** Monday 2 February 2026, 10:00 London: no bank holiday for weeks either side. */
function facts(over: Partial<DeadlineFacts> = {}): DeadlineFacts {
  return caseFacts(over);
}

/** An acknowledged, reviewed, open case: only the deadlines under test remain besides R3 and R14. */
function openFacts(over: Partial<DeadlineFacts> = {}): DeadlineFacts {
  return facts({ status: 'open', acknowledgedAt: RECEIVED, reviewedAt: at('2026-02-02T11:00:00Z'), lastCustomerContactAt: RECEIVED, ...over });
}

function plan(f: DeadlineFacts, p: PolicySettings = DEFAULT_POLICY): PlannedDeadline[] {
  return planDeadlines(f, cal, p);
}

/** The due time of one planned kind as an ISO string, or undefined when it is not planned. */
function due(f: DeadlineFacts, kind: DeadlineKind, p: PolicySettings = DEFAULT_POLICY): string | undefined {
  const found = plan(f, p).filter((d) => d.kind === kind);
  expect(found.length).toBeLessThanOrEqual(1);
  return found[0]?.dueAt.toISOString();
}

const kinds = (f: DeadlineFacts): string[] => plan(f).map((d) => d.kind).sort();
const iso = (s: string): string => at(s).toISOString();

describe('planDeadlines (POLICY.md rules with deadlines)', () => {
  it('plans R1 ack, R4 review, R3 update and the R14 notice with its warning for a new complaint', () => {
    expect(plan(facts())).toEqual([
      { kind: 'ack', rule: 'R1', dueAt: at('2026-02-03T10:00:00Z') },
      { kind: 'review', rule: 'R4', dueAt: at('2026-02-03T10:00:00Z') },
      { kind: 'update', rule: 'R3', dueAt: at('2026-02-09T10:00:00Z') },
      { kind: 'adr_warning', rule: 'R14', dueAt: at('2026-03-16T10:00:00Z') },
      { kind: 'adr', rule: 'R14', dueAt: at('2026-03-30T10:00:00+01:00') },
    ]);
  });

  it('names the POLICY.md rule of every kind it plans', () => {
    const everything = facts({ status: 'awaiting_confirmation', outcomeSentAt: RECEIVED, technicalSince: RECEIVED, directorEscalatedAt: RECEIVED });
    const planned = plan(everything);
    expect(planned.map((d) => d.kind).sort()).toEqual(['ack', 'adr', 'adr_warning', 'closure', 'director', 'engineering_overdue', 'engineering_target', 'review']);
    for (const d of planned) expect(d.rule).toBe(DEADLINE_RULES[d.kind]);
  });

  it('maps each kind to its rule, and lets the system itself keep only update, closure and the ADR pair', () => {
    expect(DEADLINE_RULES).toEqual({ ack: 'R1', review: 'R4', update: 'R3', engineering_target: 'R6', engineering_overdue: 'R6', director: 'R7', closure: 'R12', adr_warning: 'R14', adr: 'R14' });
    expect([...ACTIONABLE_DEADLINES].sort()).toEqual(['adr', 'adr_warning', 'closure', 'update']);
  });

  describe('R1 acknowledgement within 1 business day of receipt', () => {
    it.each([
      ['a Monday morning receipt -> Tuesday, same time', '2026-02-02T10:00:00Z', '2026-02-03T10:00:00Z'],
      ['Friday 16:00 -> Monday 16:00', '2026-02-06T16:00:00Z', '2026-02-09T16:00:00Z'],
      ['a Saturday receipt -> Tuesday 09:00 (the clock starts Monday 09:00)', '2026-02-07T11:00:00Z', '2026-02-10T09:00:00Z'],
      ['a Sunday night receipt -> Tuesday 09:00', '2026-02-08T23:30:00Z', '2026-02-10T09:00:00Z'],
      ['a weekday receipt after closing -> the day after next, 09:00', '2026-02-02T18:00:00Z', '2026-02-04T09:00:00Z'],
      ['a receipt exactly at closing (17:30 is outside hours) -> the day after next, 09:00', '2026-02-02T17:30:00Z', '2026-02-04T09:00:00Z'],
      ['a weekday receipt before opening -> next day 09:00', '2026-02-02T07:15:00Z', '2026-02-03T09:00:00Z'],
      ['Christmas Eve 16:00 -> Tuesday 29 December (Christmas, weekend, Boxing Day substitute)', '2026-12-24T16:00:00Z', '2026-12-29T16:00:00Z'],
      ['Maundy Thursday 16:00 BST -> Tuesday after Easter Monday', '2026-04-02T16:00:00+01:00', '2026-04-07T16:00:00+01:00'],
      ['Friday 16:00 BST -> Monday 16:00 BST', '2026-06-05T16:00:00+01:00', '2026-06-08T16:00:00+01:00'],
      ['Friday 16:00 GMT before the spring change -> Monday 16:00 BST', '2026-03-27T16:00:00Z', '2026-03-30T16:00:00+01:00'],
      ['Friday 16:00 BST before the autumn change -> Monday 16:00 GMT', '2026-10-23T16:00:00+01:00', '2026-10-26T16:00:00Z'],
    ])('R1 %s', (_what, received, expected) => {
      expect(due(facts({ receivedAt: at(received) }), 'ack')).toBe(iso(expected));
    });

    it('R1 is no longer planned once the acknowledgement was sent', () => {
      expect(due(facts({ acknowledgedAt: RECEIVED }), 'ack')).toBeUndefined();
    });

    it('R1 uses the configured number of business days', () => {
      expect(due(facts(), 'ack', { ...DEFAULT_POLICY, ackBusinessDays: 2 })).toBe(iso('2026-02-04T10:00:00Z'));
    });
  });

  describe('R4 review by a representative within 1 business day', () => {
    it.each([
      ['2026-02-02T10:00:00Z', '2026-02-03T10:00:00Z'],
      ['2026-02-06T16:00:00Z', '2026-02-09T16:00:00Z'],
      ['2026-02-07T11:00:00Z', '2026-02-10T09:00:00Z'],
    ])('R4 a case received %s is due for review by %s', (received, expected) => {
      expect(due(facts({ receivedAt: at(received) }), 'review')).toBe(iso(expected));
    });

    it('R4 stays planned after the acknowledgement until a representative acts', () => {
      expect(due(facts({ acknowledgedAt: RECEIVED }), 'review')).toBe(iso('2026-02-03T10:00:00Z'));
      expect(due(facts({ acknowledgedAt: RECEIVED, reviewedAt: RECEIVED }), 'review')).toBeUndefined();
    });

    it('R4 uses the configured number of business days', () => {
      expect(due(facts(), 'review', { ...DEFAULT_POLICY, reviewBusinessDays: 3 })).toBe(iso('2026-02-05T10:00:00Z'));
    });
  });

  describe('R3 progress update every 5 business days after the last message the customer received', () => {
    it('R3 counts from receipt when the customer has had nothing from us yet', () => {
      expect(due(facts(), 'update')).toBe(iso('2026-02-09T10:00:00Z'));
    });

    it('R3 counts from the last message the customer received', () => {
      expect(due(openFacts({ lastCustomerContactAt: at('2026-02-04T14:00:00Z') }), 'update')).toBe(iso('2026-02-11T14:00:00Z'));
    });

    it('R3 counts a message sent out of hours from the next opening', () => {
      expect(due(openFacts({ lastCustomerContactAt: at('2026-02-06T19:00:00Z') }), 'update')).toBe(iso('2026-02-16T09:00:00Z'));
    });

    it('R3 skips the Easter bank holidays', () => {
      expect(due(openFacts({ lastCustomerContactAt: at('2026-04-02T10:00:00+01:00') }), 'update')).toBe(iso('2026-04-13T10:00:00+01:00'));
    });

    it.each(['new', 'open'] as const)('R3 is planned while the case is %s', (status) => {
      expect(due(openFacts({ status }), 'update')).toBe(iso('2026-02-09T10:00:00Z'));
    });

    it('R3 is not planned while awaiting the customer\'s confirmation of the outcome', () => {
      expect(due(openFacts({ status: 'awaiting_confirmation', outcomeSentAt: at('2026-02-04T14:00:00Z') }), 'update')).toBeUndefined();
    });

    it('R3 uses the configured interval', () => {
      expect(due(openFacts(), 'update', { ...DEFAULT_POLICY, updateEveryBusinessDays: 10 })).toBe(iso('2026-02-16T10:00:00Z'));
    });
  });

  describe('R6 technical escalation: target 3 business days, overdue at 5', () => {
    const since = at('2026-02-04T11:00:00Z'); // Wednesday

    it('R6 plans the target 3 and the overdue mark 5 business days after the referral', () => {
      const f = openFacts({ technicalSince: since });
      expect(due(f, 'engineering_target')).toBe(iso('2026-02-09T11:00:00Z'));
      expect(due(f, 'engineering_overdue')).toBe(iso('2026-02-11T11:00:00Z'));
    });

    it('R6 counts business days across a bank holiday weekend', () => {
      const f = openFacts({ technicalSince: at('2026-12-23T15:00:00Z') });
      expect(due(f, 'engineering_target')).toBe(iso('2026-12-30T15:00:00Z'));
      expect(due(f, 'engineering_overdue')).toBe(iso('2027-01-04T15:00:00Z'));
    });

    it('R6 plans nothing once engineering responded', () => {
      const f = openFacts({ technicalSince: since, engineeringRespondedAt: at('2026-02-05T09:30:00Z') });
      expect(due(f, 'engineering_target')).toBeUndefined();
      expect(due(f, 'engineering_overdue')).toBeUndefined();
    });

    it('R6 plans nothing for a case that is not technical', () => {
      expect(kinds(openFacts())).not.toContain('engineering_target');
      expect(kinds(openFacts())).not.toContain('engineering_overdue');
    });

    it('R6 uses the configured target and overdue mark', () => {
      const p = { ...DEFAULT_POLICY, engineeringTargetBusinessDays: 1, engineeringOverdueBusinessDays: 2 };
      expect(due(openFacts({ technicalSince: since }), 'engineering_target', p)).toBe(iso('2026-02-05T11:00:00Z'));
      expect(due(openFacts({ technicalSince: since }), 'engineering_overdue', p)).toBe(iso('2026-02-06T11:00:00Z'));
    });
  });

  describe('R7 Director determination within 5 calendar days', () => {
    it('R7 counts the weekend: Friday 10:00 -> Wednesday 10:00', () => {
      expect(due(openFacts({ directorEscalatedAt: at('2026-02-06T10:00:00Z') }), 'director')).toBe(iso('2026-02-11T10:00:00Z'));
    });

    it('R7 counts bank holidays and may fall on one', () => {
      expect(due(openFacts({ directorEscalatedAt: at('2026-12-23T10:00:00Z') }), 'director')).toBe(iso('2026-12-28T10:00:00Z'));
    });

    it('R7 does not wait for business hours: an escalation at 22:00 is due at 22:00', () => {
      expect(due(openFacts({ directorEscalatedAt: at('2026-02-07T22:00:00Z') }), 'director')).toBe(iso('2026-02-12T22:00:00Z'));
    });

    it('R7 keeps the local time across the spring clock change', () => {
      expect(due(openFacts({ directorEscalatedAt: at('2026-03-27T10:00:00Z') }), 'director')).toBe(iso('2026-04-01T10:00:00+01:00'));
    });

    it('R7 plans nothing once the Director determined', () => {
      expect(due(openFacts({ directorEscalatedAt: at('2026-02-06T10:00:00Z'), directorDeterminedAt: at('2026-02-09T10:00:00Z') }), 'director')).toBeUndefined();
    });

    it('R7 uses the configured number of days', () => {
      expect(due(openFacts({ directorEscalatedAt: at('2026-02-06T10:00:00Z') }), 'director', { ...DEFAULT_POLICY, directorDays: 7 })).toBe(iso('2026-02-13T10:00:00Z'));
    });
  });

  describe('R12 closure by silence 5 business days after the outcome message', () => {
    const awaiting = (outcomeSentAt: Date) => openFacts({ status: 'awaiting_confirmation', outcomeSentAt, lastCustomerContactAt: outcomeSentAt });

    it('R12 is due 5 business days after the outcome was sent', () => {
      expect(due(awaiting(at('2026-02-04T15:00:00Z')), 'closure')).toBe(iso('2026-02-11T15:00:00Z'));
    });

    it('R12 skips Christmas and the Boxing Day substitute', () => {
      expect(due(awaiting(at('2026-12-18T16:00:00Z')), 'closure')).toBe(iso('2026-12-29T16:00:00Z'));
    });

    it('R12 is not planned once the customer replied and the case is open again', () => {
      expect(due(openFacts({ status: 'open', outcomeSentAt: at('2026-02-04T15:00:00Z') }), 'closure')).toBeUndefined();
    });

    it('R12 / R17 is never planned without an outcome, whatever the status says', () => {
      expect(due(openFacts({ status: 'awaiting_confirmation', outcomeSentAt: null }), 'closure')).toBeUndefined();
      expect(due(facts({ status: 'new' }), 'closure')).toBeUndefined();
    });

    it('R12 uses the configured number of business days', () => {
      expect(due(awaiting(at('2026-02-04T15:00:00Z')), 'closure', { ...DEFAULT_POLICY, silenceClosureBusinessDays: 1 })).toBe(iso('2026-02-05T15:00:00Z'));
    });
  });

  describe('R14 ADR notice at 8 weeks (56 calendar days from receipt), staff warned 14 days before', () => {
    it('R14 plans the notice 56 days after receipt at the same local time, and the warning 14 days earlier', () => {
      const f = openFacts({ receivedAt: at('2026-06-01T10:00:00+01:00') });
      expect(due(f, 'adr')).toBe(iso('2026-07-27T10:00:00+01:00'));
      expect(due(f, 'adr_warning')).toBe(iso('2026-07-13T10:00:00+01:00'));
    });

    it('R14 keeps the local time across the October clock change (10:00 BST -> 10:00 GMT)', () => {
      const f = openFacts({ receivedAt: at('2026-09-10T10:00:00+01:00') });
      expect(due(f, 'adr')).toBe(iso('2026-11-05T10:00:00Z'));
      expect(due(f, 'adr_warning')).toBe(iso('2026-10-22T10:00:00+01:00'));
    });

    it('R14 keeps the local time across the March clock change (10:00 GMT -> 10:00 BST)', () => {
      expect(due(openFacts(), 'adr')).toBe(iso('2026-03-30T10:00:00+01:00'));
      expect(due(openFacts(), 'adr_warning')).toBe(iso('2026-03-16T10:00:00Z'));
    });

    it('R14 counts calendar days from the receipt itself, not from the next opening', () => {
      expect(due(openFacts({ receivedAt: at('2026-02-07T23:10:00Z') }), 'adr')).toBe(iso('2026-04-04T23:10:00+01:00'));
    });

    it('R14 drops the warning once staff were warned, and keeps the notice', () => {
      const f = openFacts({ adrWarnedAt: at('2026-03-16T10:00:00Z') });
      expect(due(f, 'adr_warning')).toBeUndefined();
      expect(due(f, 'adr')).toBe(iso('2026-03-30T10:00:00+01:00'));
    });

    it('R14 plans neither once the notice was sent', () => {
      const f = openFacts({ adrNoticeSentAt: at('2026-03-30T10:00:00+01:00') });
      expect(kinds(f)).not.toContain('adr');
      expect(kinds(f)).not.toContain('adr_warning');
    });

    it('R14 is still owed while awaiting confirmation: the complaint is not resolved until closed', () => {
      const f = openFacts({ status: 'awaiting_confirmation', outcomeSentAt: at('2026-03-20T10:00:00Z') });
      expect(due(f, 'adr')).toBe(iso('2026-03-30T10:00:00+01:00'));
    });

    it.each(['vexatious', 'out_of_jurisdiction'])('R14/R16 plans no notice and no warning for a case flagged %s', (flag) => {
      const f = openFacts({ flags: ['urgent', flag] });
      expect(kinds(f)).toEqual(['update']);
    });

    it.each(['out-of-jurisdiction', 'Vexatious'])('R16 only the stored spellings exempt a case (%s does not)', (flag) => {
      expect(kinds(openFacts({ flags: [flag] }))).toContain('adr');
    });

    it('R14 uses the configured number of days and warning', () => {
      const p = { ...DEFAULT_POLICY, adrDays: 28, adrWarningDays: 7 };
      expect(due(openFacts(), 'adr', p)).toBe(iso('2026-03-02T10:00:00Z'));
      expect(due(openFacts(), 'adr_warning', p)).toBe(iso('2026-02-23T10:00:00Z'));
    });
  });

  describe('R11/R12/R17 ended cases owe nothing', () => {
    const unmet = { technicalSince: RECEIVED, directorEscalatedAt: RECEIVED, outcomeSentAt: RECEIVED };

    it.each(['closed', 'withdrawn'] as const)('a %s case has no deadlines, even with every obligation unmet', (status) => {
      expect(plan(facts({ status, ...unmet }))).toEqual([]);
    });
  });

  it('plans at most one deadline of each kind', () => {
    const everything = facts({ technicalSince: RECEIVED, directorEscalatedAt: RECEIVED });
    const planned = kinds(everything);
    expect(new Set(planned).size).toBe(planned.length);
  });
});

describe('adrNoticeOwed (R14 with R16)', () => {
  it.each([
    [{ status: 'open', flags: [], adrNoticeSentAt: null }, true],
    [{ status: 'new', flags: ['urgent', 'technical'], adrNoticeSentAt: null }, true],
    [{ status: 'awaiting_confirmation', flags: [], adrNoticeSentAt: null }, true],
    [{ status: 'open', flags: [], adrNoticeSentAt: RECEIVED }, false],
    [{ status: 'open', flags: ['vexatious'], adrNoticeSentAt: null }, false],
    [{ status: 'open', flags: ['out_of_jurisdiction'], adrNoticeSentAt: null }, false],
    [{ status: 'closed', flags: [], adrNoticeSentAt: null }, false],
    [{ status: 'withdrawn', flags: [], adrNoticeSentAt: null }, false],
  ] as const)('%j -> %s', (f, owed) => {
    expect(adrNoticeOwed(f)).toBe(owed);
  });
});

describe('reconcileDeadlines: stored pending deadlines against the plan', () => {
  const GRACE = DEFAULT_POLICY.graceSeconds;
  const planned = (kind: DeadlineKind, dueAt: string): PlannedDeadline => ({ kind, rule: DEADLINE_RULES[kind], dueAt: at(dueAt) });
  const stored = (id: number, kind: string, dueAt: string): StoredDeadline => ({ id: BigInt(id), kind, dueAt: at(dueAt) });
  const NOW = at('2026-02-04T12:00:00Z');

  it('inserts every planned deadline when none is stored', () => {
    expect(reconcileDeadlines([], [planned('ack', '2026-02-03T10:00:00Z'), planned('adr', '2026-03-30T09:00:00Z')], [], NOW, GRACE)).toEqual([
      { op: 'insert', kind: 'ack', rule: 'R1', dueAt: at('2026-02-03T10:00:00Z') },
      { op: 'insert', kind: 'adr', rule: 'R14', dueAt: at('2026-03-30T09:00:00Z') },
    ]);
  });

  it('leaves a deadline that is still planned at the same time alone', () => {
    expect(reconcileDeadlines([stored(1, 'update', '2026-02-09T10:00:00Z')], [planned('update', '2026-02-09T10:00:00Z')], [], NOW, GRACE)).toEqual([]);
  });

  it('replans a deadline whose due time moved: the old one is resolved replanned, the new one inserted', () => {
    expect(reconcileDeadlines([stored(1, 'update', '2026-02-09T10:00:00Z')], [planned('update', '2026-02-11T12:00:00Z')], [], NOW, GRACE)).toEqual([
      { op: 'resolve', id: 1n, kind: 'update', status: 'replanned', dueAt: at('2026-02-09T10:00:00Z') },
      { op: 'insert', kind: 'update', rule: 'R3', dueAt: at('2026-02-11T12:00:00Z') },
    ]);
  });

  it('treats a move of one millisecond as a replan', () => {
    const changes = reconcileDeadlines([stored(1, 'adr', '2026-03-30T09:00:00Z')], [planned('adr', '2026-03-30T09:00:00.001Z')], [], NOW, GRACE);
    expect(changes.map((c) => c.op)).toEqual(['resolve', 'insert']);
  });

  it('cancels a pending deadline that is no longer planned (R12 closure after the customer replied)', () => {
    expect(reconcileDeadlines([stored(7, 'closure', '2026-02-11T15:00:00Z')], [], [], NOW, GRACE)).toEqual([
      { op: 'resolve', id: 7n, kind: 'closure', status: 'cancelled', dueAt: at('2026-02-11T15:00:00Z') },
    ]);
  });

  it('cancels a stored kind the planner does not know', () => {
    expect(reconcileDeadlines([stored(3, 'legacy_kind', '2026-02-11T15:00:00Z')], [], ['ack'], NOW, GRACE)).toEqual([
      { op: 'resolve', id: 3n, kind: 'legacy_kind', status: 'cancelled', dueAt: at('2026-02-11T15:00:00Z') },
    ]);
  });

  it('R1 marks a deadline kept before it fell due as met', () => {
    expect(reconcileDeadlines([stored(2, 'ack', '2026-02-05T10:00:00Z')], [], ['ack'], NOW, GRACE)).toEqual([
      { op: 'resolve', id: 2n, kind: 'ack', status: 'met', dueAt: at('2026-02-05T10:00:00Z') },
    ]);
  });

  it('marks a deadline kept within the grace after its due time as met, up to and including the last millisecond', () => {
    const dueAt = '2026-02-04T11:55:00Z'; // NOW is exactly due + 300 s
    expect(reconcileDeadlines([stored(2, 'update', dueAt)], [], ['update'], NOW, GRACE)).toMatchObject([{ status: 'met' }]);
  });

  it('R4 marks a deadline kept after due + grace as missed', () => {
    const dueAt = new Date(NOW.getTime() - GRACE * 1000 - 1).toISOString();
    expect(reconcileDeadlines([stored(4, 'review', dueAt)], [], ['review'], NOW, GRACE)).toEqual([
      { op: 'resolve', id: 4n, kind: 'review', status: 'missed', dueAt: at(dueAt) },
    ]);
  });

  it('honours the grace it is given (0 s: a millisecond late is missed)', () => {
    const dueAt = new Date(NOW.getTime() - 1).toISOString();
    expect(reconcileDeadlines([stored(4, 'director', dueAt)], [], ['director'], NOW, 0)).toMatchObject([{ status: 'missed' }]);
    expect(reconcileDeadlines([stored(4, 'director', NOW.toISOString())], [], ['director'], NOW, 0)).toMatchObject([{ status: 'met' }]);
  });

  it('R3 kept and replanned: the update that fell due is met and the next one is inserted', () => {
    expect(reconcileDeadlines([stored(5, 'update', '2026-02-04T12:00:00Z')], [planned('update', '2026-02-11T12:00:00Z')], ['update'], NOW, GRACE)).toEqual([
      { op: 'resolve', id: 5n, kind: 'update', status: 'met', dueAt: at('2026-02-04T12:00:00Z') },
      { op: 'insert', kind: 'update', rule: 'R3', dueAt: at('2026-02-11T12:00:00Z') },
    ]);
  });

  it('a kept deadline that is planned again at the very same time is still resolved and re-inserted', () => {
    const changes = reconcileDeadlines([stored(5, 'update', '2026-02-11T12:00:00Z')], [planned('update', '2026-02-11T12:00:00Z')], ['update'], NOW, GRACE);
    expect(changes.map((c) => (c.op === 'insert' ? 'insert' : c.status))).toEqual(['met', 'insert']);
  });

  it('ignores kept kinds that have no pending deadline', () => {
    expect(reconcileDeadlines([], [], ['ack', 'director', 'engineering_target'], NOW, GRACE)).toEqual([]);
  });

  it('handles a mixture in one pass: met, cancelled, unchanged, replanned, inserted', () => {
    const pending = [
      stored(1, 'ack', '2026-02-03T10:00:00Z'),
      stored(2, 'closure', '2026-02-11T15:00:00Z'),
      stored(3, 'adr', '2026-03-30T09:00:00Z'),
      stored(4, 'update', '2026-02-09T10:00:00Z'),
    ];
    const nextPlan = [planned('update', '2026-02-11T12:00:00Z'), planned('adr', '2026-03-30T09:00:00Z'), planned('director', '2026-02-09T12:00:00Z')];
    expect(reconcileDeadlines(pending, nextPlan, ['ack'], NOW, GRACE)).toEqual([
      { op: 'resolve', id: 1n, kind: 'ack', status: 'missed', dueAt: at('2026-02-03T10:00:00Z') },
      { op: 'resolve', id: 2n, kind: 'closure', status: 'cancelled', dueAt: at('2026-02-11T15:00:00Z') },
      { op: 'resolve', id: 4n, kind: 'update', status: 'replanned', dueAt: at('2026-02-09T10:00:00Z') },
      { op: 'insert', kind: 'update', rule: 'R3', dueAt: at('2026-02-11T12:00:00Z') },
      { op: 'insert', kind: 'director', rule: 'R7', dueAt: at('2026-02-09T12:00:00Z') },
    ]);
  });

  it('after applying its changes, the pending set equals the plan (a second pass changes nothing)', () => {
    const f = facts({ technicalSince: RECEIVED, directorEscalatedAt: RECEIVED });
    const first = plan(f);
    const inserted = reconcileDeadlines([], first, [], NOW, GRACE);
    const pending = inserted.map((c, i) => ({ id: BigInt(i + 1), kind: c.kind, dueAt: c.dueAt }));
    expect(reconcileDeadlines(pending, plan(f), [], NOW, GRACE)).toEqual([]);
  });
});
