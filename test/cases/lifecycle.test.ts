import { describe, expect, it } from 'vitest';

import { decide, type CaseFacts, type CustomerMessageKind } from '../../src/cases/lifecycle.ts';
import { planDeadlines, reconcileDeadlines, type DeadlineKind } from '../../src/policy/deadlines.ts';
import { DEFAULT_POLICY } from '../../src/policy/settings.ts';
import {
  apply,
  at,
  awaitingCase,
  calendar,
  caseFacts,
  closedCase,
  customerSays,
  NOW,
  OUTCOME_SENT,
  openCase,
  RECEIVED,
  textOf,
  withdrawnCase,
  planned,
  dueOf,
} from './case-facts.ts';

const NOTHING = { patch: {}, sends: [], kept: [], history: [] };

describe('decide: opened', () => {
  it('R1 acknowledges the sender at once, as an automatic reply (RFC 3834)', () => {
    const d = decide(caseFacts(), { type: 'opened' }, NOW);
    expect(d.sends).toEqual([{ kind: 'ack', to: 'sender', automatic: true, data: { missingInfo: false } }]);
    expect(d.patch).toEqual({ lastCustomerContactAt: NOW });
    expect(d.error).toBeUndefined();
  });

  it('R1 is kept when the acknowledgement is sent, not when it is queued', () => {
    expect(decide(caseFacts(), { type: 'opened' }, NOW).kept).toEqual([]);
  });

  it('R2 asks for the subject matter and facts when the complaint has none', () => {
    const d = decide(caseFacts({ flags: ['missing_facts'] }), { type: 'opened' }, NOW);
    expect(d.sends).toEqual([{ kind: 'ack', to: 'sender', automatic: true, data: { missingInfo: true } }]);
  });

  it('R4 leaves the case new and unreviewed: the review deadline stands', () => {
    const d = decide(caseFacts(), { type: 'opened' }, NOW);
    expect(d.patch.status).toBeUndefined();
    expect(d.patch.reviewedAt).toBeUndefined();
    expect(planned(apply(caseFacts(), d))).toContain('review');
  });

  it('R6 refers a complaint classified technical to engineering at once, its clock running from receipt', () => {
    const received = at('2026-02-02T10:00:00Z');
    const late = at('2026-02-03T16:00:00Z'); // the worker was down; the deadlines are the same
    const f = caseFacts({ flags: ['technical'], receivedAt: received });
    const d = decide(f, { type: 'opened' }, late);
    expect(d.patch.technicalSince).toEqual(received);
    expect(d.sends).toContainEqual(expect.objectContaining({ kind: 'staff_alert', to: 'engineering', automatic: false }));
    expect(d.history).toContainEqual({ event: 'escalated.engineering', data: { rule: 'R6', reason: 'classified technical' } });
    expect(dueOf(apply(f, d), 'engineering_target')).toBe('2026-02-05T10:00:00.000Z');
    expect(dueOf(apply(f, d), 'engineering_overdue')).toBe('2026-02-09T10:00:00.000Z');
  });

  it('R6 alerts nobody for a complaint that is not technical', () => {
    const d = decide(caseFacts({ flags: ['urgent'] }), { type: 'opened' }, NOW);
    expect(d.sends.map((s) => s.kind)).toEqual(['ack']);
    expect(d.patch.technicalSince).toBeUndefined();
  });

  it.each(['vulnerable', 'urgent', 'harm', 'repeat'])('R8 records a priority referral for a %s complaint', (flag) => {
    const f = caseFacts({ flags: [flag, 'third_party'] });
    expect(f.priority).toBe(true);
    expect(decide(f, { type: 'opened' }, NOW).history).toContainEqual({ event: 'priority.referral', data: { rule: 'R8', flags: [flag, 'third_party'] } });
  });

  it('R8 records no referral for an ordinary complaint', () => {
    expect(decide(caseFacts(), { type: 'opened' }, NOW).history).toEqual([]);
  });

  it('R1 acknowledged by phone: no acknowledgement email on opening; the ack deadline stands until the acknowledgement is recorded', () => {
    const d = decide(caseFacts(), { type: 'opened', acknowledgedBy: 'phone' }, NOW);
    expect(d.sends).toEqual([]);
    expect(planned(apply(caseFacts(), d))).toContain('ack');
  });

  it('R1 by phone: "acknowledged" keeps the ack deadline now and says how on the record; a second one is refused', () => {
    const d = decide(caseFacts(), { type: 'acknowledged', by: 'phone' }, NOW);
    expect(d).toEqual({ patch: { acknowledgedAt: NOW }, sends: [], kept: ['ack'], history: [{ event: 'acknowledged', data: { rule: 'R1', channel: 'phone' } }] });
    expect(decide(caseFacts({ acknowledgedAt: RECEIVED }), { type: 'acknowledged', by: 'phone' }, NOW).error).toBe('the complaint was already acknowledged (2026-02-02T10:00:00.000Z); nothing to record');
  });

  it("an emailed #open is answered with the receipt the opening brings", () => {
    const receipt = { kind: 'command_receipt', to: 'actor' as const, automatic: false, data: { verb: 'open' } };
    expect(decide(caseFacts(), { type: 'opened', receipt }, NOW).sends.map((s) => s.kind)).toEqual(['ack', 'command_receipt']);
  });
});

describe('decide: customer messages', () => {
  describe('a plain reply', () => {
    it.each(['new', 'open'] as const)('changes nothing on a %s case (the message itself is on the record)', (status) => {
      expect(customerSays(openCase({ status }), 'reply')).toEqual(NOTHING);
    });

    it('R12 stops closure by silence when the customer replies to the outcome, and tells staff', () => {
      const f = awaitingCase();
      const d = customerSays(f, 'reply');
      expect(d.patch).toEqual({ status: 'open' });
      expect(d.history).toContainEqual({ event: 'case.reopened', data: { reason: 'customer replied to the outcome' } });
      expect(d.sends).toEqual([expect.objectContaining({ kind: 'staff_alert', to: 'staff', automatic: false })]);
      expect(planned(apply(f, d))).not.toContain('closure');
    });

    it('R3 progress updates resume once the reply reopens the case', () => {
      const f = awaitingCase();
      expect(planned(f)).not.toContain('update');
      expect(planned(apply(f, customerSays(f, 'reply')))).toContain('update');
    });

    it.each([['closed', closedCase()], ['withdrawn', withdrawnCase()]] as const)('does not reopen a %s case', (_status, f) => {
      expect(customerSays(f, 'reply').patch).toEqual({});
    });
  });

  describe('R11 confirmation that the complaint is resolved', () => {
    it('R11 closes a case awaiting confirmation and sends the closure notice', () => {
      const d = customerSays(awaitingCase(), 'confirmation');
      expect(d.patch).toEqual({ status: 'closed', closedAt: NOW, closureReason: 'confirmed' });
      expect(d.sends).toEqual([{ kind: 'closure_confirmed', to: 'customer', automatic: true }]);
      expect(d.history).toEqual([{ event: 'case.closed', data: { rule: 'R11', reason: 'confirmed' } }]);
    });

    it('R11 leaves nothing owed after the confirmed closure', () => {
      const f = awaitingCase();
      expect(planDeadlines(apply(f, customerSays(f, 'confirmation')), calendar, DEFAULT_POLICY)).toEqual([]);
    });

    it.each(['new', 'open'] as const)('R17 a confirmation before any outcome does not close a %s case, says so on the record and tells staff', (status) => {
      const d = customerSays(caseFacts({ status }), 'confirmation');
      expect(d.patch.status).toBeUndefined();
      expect(d.sends).toEqual([expect.objectContaining({ kind: 'staff_alert', to: 'staff', automatic: false })]);
      expect(d.history).toEqual([{ event: 'confirmation.without_outcome', data: { rule: 'R17', note: 'no outcome given yet; the case stays open' } }]);
    });

    it('a confirmation on a case already closed changes nothing', () => {
      const d = customerSays(closedCase(), 'confirmation');
      expect(d.patch).toEqual({});
      expect(d.sends).toEqual([]);
    });
  });

  describe('R13 not resolved: reopened and escalated to the Director (R7)', () => {
    it.each([['awaiting_confirmation', awaitingCase()], ['closed', closedCase({ closureReason: 'no_response' })]] as const)(
      'R13 reopens a %s case, makes the Director its owner and counts the reopening',
      (_status, f) => {
        const d = customerSays(f, 'not_resolved');
        expect(d.patch).toEqual({
          status: 'open',
          ownerRole: 'director',
          directorEscalatedAt: NOW,
          directorDeterminedAt: null,
          closedAt: null,
          closureReason: null,
          reopenedCount: 1,
          lastCustomerContactAt: NOW,
        });
        expect(d.history).toEqual([
          { event: 'case.reopened', data: { rule: 'R13' } },
          { event: 'escalated.director', data: { rule: 'R7', reason: 'customer not satisfied' } },
        ]);
      },
    );

    it('R13 tells the customer of the escalation and alerts the Director at once', () => {
      const d = customerSays(closedCase(), 'not_resolved');
      expect(d.sends).toEqual([
        expect.objectContaining({ kind: 'director_escalation', to: 'customer', automatic: true }),
        expect.objectContaining({ kind: 'staff_alert', to: 'director', automatic: false }),
      ]);
    });

    it('R13 adds to an earlier reopening count', () => {
      expect(customerSays(closedCase({ reopenedCount: 2 }), 'not_resolved').patch.reopenedCount).toBe(3);
    });

    it('R7 owes the Director\'s determination within 5 calendar days; closure by silence is off', () => {
      const f = awaitingCase();
      const next = apply(f, customerSays(f, 'not_resolved'));
      expect(dueOf(next, 'director')).toBe('2026-02-09T11:00:00.000Z');
      expect(planned(next)).not.toContain('closure');
      expect(planned(next)).toContain('update');
    });

    it.each(['new', 'open'] as const)('R7 escalates a %s case (unhappy with the handling) without counting a reopening', (status) => {
      const d = customerSays(openCase({ status }), 'not_resolved');
      expect(d.patch).toMatchObject({ status: 'open', ownerRole: 'director', directorEscalatedAt: NOW, reopenedCount: 0 });
      expect(d.history).toEqual([{ event: 'escalated.director', data: { rule: 'R7', reason: 'customer not satisfied' } }]);
    });

    it('R7 asks for a fresh determination when the Director had already determined', () => {
      const f = awaitingCase({ directorEscalatedAt: at('2026-01-20T10:00:00Z'), directorDeterminedAt: OUTCOME_SENT });
      const next = apply(f, customerSays(f, 'not_resolved'));
      expect(next.directorDeterminedAt).toBeNull();
      expect(planned(next)).toContain('director');
    });
  });

  describe('R15 deadlock letter requested by the customer', () => {
    it.each([['new', caseFacts()], ['open', openCase()]] as const)('R15 records the request on a %s case and alerts staff to decide', (_status, f) => {
      const d = customerSays(f, 'deadlock_request');
      expect(d.patch).toEqual({ deadlockRequestedAt: NOW });
      expect(d.sends).toEqual([expect.objectContaining({ kind: 'staff_alert', to: 'staff', automatic: false })]);
      expect(d.history).toEqual([{ event: 'deadlock.requested', data: { rule: 'R15' } }]);
    });

    it('R15 tells staff both ways to answer: issue, or refuse with one of the three reasons', () => {
      const text = textOf(customerSays(openCase(), 'deadlock_request').sends[0]);
      expect(text).toContain('#deadlock');
      expect(text).toContain('#refuse-deadlock timely|vexatious|jurisdiction');
    });

    it('R15 sends nothing to the customer by itself: staff decide', () => {
      expect(customerSays(openCase(), 'deadlock_request').sends.filter((s) => s.to === 'customer')).toEqual([]);
    });

    it('R12 a deadlock request in reply to the outcome is a reply: it stops closure by silence', () => {
      const f = awaitingCase();
      const d = customerSays(f, 'deadlock_request');
      expect(d.patch.deadlockRequestedAt).toEqual(NOW);
      expect(d.patch.status).toBe('open');
      expect(planned(apply(f, d))).not.toContain('closure');
    });
  });

  describe('every kind of customer message in every status', () => {
    const byStatus = { new: caseFacts(), open: openCase(), awaiting_confirmation: awaitingCase(), closed: closedCase(), withdrawn: withdrawnCase() };
    // The status after the message: R11 closes only on confirmation while awaiting it; R13
    // reopens on "not resolved"; any reply to the outcome stops closure by silence (R12).
    const expected: Record<CustomerMessageKind, Record<keyof typeof byStatus, CaseFacts['status']>> = {
      reply: { new: 'new', open: 'open', awaiting_confirmation: 'open', closed: 'closed', withdrawn: 'withdrawn' },
      confirmation: { new: 'new', open: 'open', awaiting_confirmation: 'closed', closed: 'closed', withdrawn: 'withdrawn' },
      not_resolved: { new: 'open', open: 'open', awaiting_confirmation: 'open', closed: 'open', withdrawn: 'open' },
      deadlock_request: { new: 'new', open: 'open', awaiting_confirmation: 'open', closed: 'closed', withdrawn: 'withdrawn' },
    };
    const rows = (Object.keys(expected) as CustomerMessageKind[]).flatMap((kind) =>
      (Object.keys(byStatus) as (keyof typeof byStatus)[]).map((status) => [kind, status, expected[kind][status]] as const),
    );

    it.each(rows)('a customer %s on a %s case leaves it %s', (kind, status, after) => {
      const f = byStatus[status];
      const next = apply(f, customerSays(f, kind));
      expect(next.status).toBe(after);
      if (next.status === 'closed') expect(next.outcomeSentAt).not.toBeNull(); // R17
    });
  });

  it.each<[CustomerMessageKind, CaseFacts]>([
    ['reply', caseFacts()],
    ['confirmation', openCase()],
    ['not_resolved', closedCase()],
    ['deadlock_request', openCase()],
  ])('a customer %s never fulfils a deadline of ours', (kind, f) => {
    expect(customerSays(f, kind).kept).toEqual([]);
  });
});

describe('decide: deadline_due', () => {
  describe('R3 progress update', () => {
    it('R3 sends the customer a progress update automatically and keeps the update deadline', () => {
      const d = decide(openCase(), { type: 'deadline_due', kind: 'update' }, NOW);
      expect(d.sends).toEqual([{ kind: 'progress', to: 'customer', automatic: true, data: { note: null } }]);
      expect(d.kept).toEqual(['update']);
      expect(d.patch).toEqual({ lastCustomerContactAt: NOW });
      expect(d.history).toEqual([{ event: 'progress.update', data: { rule: 'R3' } }]);
    });

    it('R3 passes on the latest staff note when it is newer than the last message the customer had', () => {
      const f = openCase({ lastCustomerContactAt: RECEIVED, latestNote: 'Line test booked for Friday.', latestNoteAt: at('2026-02-03T12:00:00Z') });
      expect(decide(f, { type: 'deadline_due', kind: 'update' }, NOW).sends[0]?.data).toEqual({ note: 'Line test booked for Friday.' });
    });

    it('R3 says "still investigating" (no note) when the note was already passed on', () => {
      const f = openCase({ lastCustomerContactAt: at('2026-02-03T15:00:00Z'), latestNote: 'Line test booked.', latestNoteAt: at('2026-02-03T12:00:00Z') });
      expect(decide(f, { type: 'deadline_due', kind: 'update' }, NOW).sends[0]?.data).toEqual({ note: null });
    });

    it('R3 treats a note written at the very moment of the last message as passed on', () => {
      const f = openCase({ lastCustomerContactAt: at('2026-02-03T12:00:00Z'), latestNote: 'x', latestNoteAt: at('2026-02-03T12:00:00Z') });
      expect(decide(f, { type: 'deadline_due', kind: 'update' }, NOW).sends[0]?.data).toEqual({ note: null });
    });

    it('R3 passes on a note when the customer has had nothing from us yet', () => {
      const f = caseFacts({ lastCustomerContactAt: null, latestNote: 'Looking at your bill.', latestNoteAt: RECEIVED });
      expect(decide(f, { type: 'deadline_due', kind: 'update' }, NOW).sends[0]?.data).toEqual({ note: 'Looking at your bill.' });
    });

    it('R3 does not pass the same note on twice in a row', () => {
      const f = openCase({ latestNote: 'Engineer visit on Monday.', latestNoteAt: at('2026-02-03T12:00:00Z') });
      const first = decide(f, { type: 'deadline_due', kind: 'update' }, NOW);
      const later = at('2026-02-11T11:00:00Z');
      const second = decide(apply(f, first), { type: 'deadline_due', kind: 'update' }, later);
      expect(first.sends[0]?.data).toEqual({ note: 'Engineer visit on Monday.' });
      expect(second.sends[0]?.data).toEqual({ note: null });
    });

    it('R3 the update met on time is resolved and the next one planned 5 business days on', () => {
      const f = openCase();
      const dueAt = at(dueOf(f, 'update')!);
      const d = decide(f, { type: 'deadline_due', kind: 'update' }, dueAt);
      const changes = reconcileDeadlines([{ id: 9n, kind: 'update', dueAt }], planDeadlines(apply(f, d), calendar, DEFAULT_POLICY), d.kept, dueAt, DEFAULT_POLICY.graceSeconds);
      expect(changes.filter((c) => c.kind === 'update')).toEqual([
        { op: 'resolve', id: 9n, kind: 'update', status: 'met', dueAt },
        { op: 'insert', kind: 'update', rule: 'R3', dueAt: at('2026-02-16T10:00:00Z') },
      ]);
    });
  });

  describe('R12 closure by silence', () => {
    it('R12 closes the case as no_response and sends the closure notice', () => {
      const d = decide(awaitingCase(), { type: 'deadline_due', kind: 'closure' }, NOW);
      expect(d.patch).toEqual({ status: 'closed', closedAt: NOW, closureReason: 'no_response' });
      expect(d.sends).toEqual([{ kind: 'closure_no_response', to: 'customer', automatic: true }]);
      expect(d.kept).toEqual(['closure']);
      expect(d.history).toEqual([{ event: 'case.closed', data: { rule: 'R12', reason: 'no_response' } }]);
    });

    it('R12/R17 a case closed by silence had its outcome sent', () => {
      const f = awaitingCase();
      expect(apply(f, decide(f, { type: 'deadline_due', kind: 'closure' }, NOW)).outcomeSentAt).toEqual(OUTCOME_SENT);
    });
  });

  describe('R14 ADR notice and its staff warning', () => {
    it('R14 sends the ADR notice to the customer, records it and keeps the deadline', () => {
      const d = decide(openCase(), { type: 'deadline_due', kind: 'adr' }, NOW);
      expect(d.patch).toEqual({ adrNoticeSentAt: NOW, lastCustomerContactAt: NOW });
      expect(d.sends).toEqual([{ kind: 'adr_notice', to: 'customer', automatic: true }]);
      expect(d.kept).toEqual(['adr']);
      expect(d.history).toEqual([{ event: 'adr.notice', data: { rule: 'R14' } }]);
    });

    it('R14 the notice is owed once only', () => {
      const f = openCase();
      expect(planned(apply(f, decide(f, { type: 'deadline_due', kind: 'adr' }, NOW)))).not.toContain('adr');
    });

    it('R14 warns staff, not the customer, before the 8-week date', () => {
      const d = decide(openCase(), { type: 'deadline_due', kind: 'adr_warning' }, NOW);
      expect(d.patch).toEqual({ adrWarnedAt: NOW });
      expect(d.sends).toEqual([expect.objectContaining({ kind: 'staff_alert', to: 'staff', automatic: false })]);
      expect(d.kept).toEqual(['adr_warning']);
      expect(d.history).toEqual([{ event: 'adr.warning', data: { rule: 'R14' } }]);
    });

    it('R14 the warning tells staff how to avoid the notice (resolve, or flag vexatious / out-of-jurisdiction)', () => {
      const text = textOf(decide(openCase(), { type: 'deadline_due', kind: 'adr_warning' }, NOW).sends[0]);
      expect(text).toContain('vexatious');
      expect(text).toContain('out-of-jurisdiction');
    });
  });

  it.each(['ack', 'review', 'engineering_target', 'engineering_overdue', 'director'] as const)(
    'R1/R4/R6/R7 a due %s deadline is a staff obligation shown in the digest: decide does nothing',
    (kind) => {
      expect(decide(openCase({ technicalSince: RECEIVED, directorEscalatedAt: RECEIVED }), { type: 'deadline_due', kind }, NOW)).toEqual(NOTHING);
    },
  );

  // A deadline job can reach decide() after the facts moved on (the customer replied, staff
  // flagged the case, it closed) in the moment between the scheduler reading the pending row
  // and locking the case. The pure core must not act on a deadline the facts no longer owe.
  describe('a deadline the facts no longer owe does nothing (stale deadline job)', () => {
    it.each<[string, DeadlineKind, CaseFacts]>([
      ['R12 closure of an open case the customer replied to', 'closure', openCase({ outcomeSentAt: OUTCOME_SENT })],
      ['R17 closure of a case that never had an outcome', 'closure', openCase()],
      ['R17 closure of a new case', 'closure', caseFacts()],
      ['R14 ADR notice of a case flagged vexatious', 'adr', openCase({ flags: ['vexatious'] })],
      ['R16 ADR notice of a case out of jurisdiction', 'adr', openCase({ flags: ['out_of_jurisdiction'] })],
      ['R14 ADR notice already sent', 'adr', openCase({ adrNoticeSentAt: at('2026-02-03T10:00:00Z') })],
      ['R14 ADR notice of a closed case', 'adr', closedCase()],
      ['R3 progress update of a case awaiting confirmation', 'update', awaitingCase()],
      ['R3 progress update of a closed case', 'update', closedCase()],
      ['R3 progress update of a withdrawn case', 'update', withdrawnCase()],
    ])('%s', (_what, kind, f) => {
      const d = decide(f, { type: 'deadline_due', kind }, NOW);
      expect(d.sends.filter((s) => s.to === 'customer')).toEqual([]);
      expect(d.patch.status).toBeUndefined();
      expect(d.kept).toEqual([]);
    });
  });
});

describe('decide: message_sent', () => {
  it('R1 the acknowledgement going out keeps the ack deadline and records when', () => {
    const d = decide(caseFacts(), { type: 'message_sent', kind: 'ack' }, NOW);
    expect(d).toEqual({ patch: { acknowledgedAt: NOW }, sends: [], kept: ['ack'], history: [{ event: 'acknowledged', data: { rule: 'R1' } }] });
  });

  it('R1 the ack sent within the business day is met', () => {
    const f = caseFacts();
    const sentAt = at('2026-02-02T10:00:05Z');
    const d = decide(f, { type: 'message_sent', kind: 'ack' }, sentAt);
    const ackDue = at('2026-02-03T10:00:00Z');
    const changes = reconcileDeadlines([{ id: 1n, kind: 'ack', dueAt: ackDue }], planDeadlines(apply(f, d), calendar, DEFAULT_POLICY), d.kept, sentAt, DEFAULT_POLICY.graceSeconds);
    expect(changes).toContainEqual({ op: 'resolve', id: 1n, kind: 'ack', status: 'met', dueAt: ackDue });
  });

  it('R1 a second acknowledgement does not move the recorded time', () => {
    expect(decide(openCase(), { type: 'message_sent', kind: 'ack' }, NOW)).toEqual(NOTHING);
  });

  it.each(['progress', 'outcome', 'reply', 'staff_alert', 'closure_confirmed'])('a sent %s changes nothing', (kind) => {
    expect(decide(openCase(), { type: 'message_sent', kind }, NOW)).toEqual(NOTHING);
  });
});

describe('decide: delivery problems and refused commands are shown to staff', () => {
  it('a bounce of our message alerts staff and is recorded on the case', () => {
    const d = decide(openCase(), { type: 'bounced', outboundKind: 'progress', recipient: 'ann@example.net', diagnostic: '550 5.1.1 user unknown' }, NOW);
    expect(d.patch).toEqual({});
    expect(d.sends).toHaveLength(1);
    expect(d.sends[0]).toMatchObject({ kind: 'staff_alert', to: 'staff', automatic: false });
    expect(textOf(d.sends[0])).toContain('progress to ann@example.net: 550 5.1.1 user unknown');
    expect(d.history).toEqual([{ event: 'outbound.bounced', data: { kind: 'progress', recipient: 'ann@example.net', diagnostic: '550 5.1.1 user unknown' } }]);
  });

  it('a message that could not be sent alerts staff with how to retry it', () => {
    const d = decide(openCase(), { type: 'send_failed', outboundKind: 'outcome', error: '554 rejected' }, NOW);
    expect(d.patch).toEqual({});
    expect(d.sends).toHaveLength(1);
    expect(d.sends[0]).toMatchObject({ kind: 'staff_alert', to: 'staff', automatic: false });
    expect(textOf(d.sends[0])).toContain('outcome: 554 rejected');
    expect(textOf(d.sends[0])).toContain('find it with `redress outbox list --status dead` and send it again with `redress outbox retry ID` (or `--all-dead`)');
    expect(d.history).toEqual([{ event: 'outbound.failed', data: { kind: 'outcome', error: '554 rejected' } }]);
  });

  it('a command from someone not allowed to act is recorded and shown to staff; nothing else happens', () => {
    const d = decide(openCase(), { type: 'command_refused', verb: 'outcome', from: 'mallory@example.net', reason: 'not a staff address' }, NOW);
    expect(d.patch).toEqual({});
    expect(d.sends).toEqual([expect.objectContaining({ kind: 'staff_alert', to: 'staff', automatic: false })]);
    expect(textOf(d.sends[0])).toContain('Command #outcome refused');
    expect(textOf(d.sends[0])).toContain('mallory@example.net');
    expect(d.history).toEqual([{ event: 'command.refused', data: { verb: 'outcome', from: 'mallory@example.net', reason: 'not a staff address' } }]);
  });

  it('an unparseable command is an error and nothing else', () => {
    expect(decide(openCase(), { type: 'invalid_command', error: 'unknown command #close' }, NOW)).toEqual({ ...NOTHING, error: 'unknown command #close' });
  });
});

describe('decide is pure', () => {
  it('does not modify the facts it is given', () => {
    const f = awaitingCase({ flags: ['urgent'] });
    const copy = structuredClone(f);
    decide(f, { type: 'customer_message', kind: 'not_resolved' }, NOW);
    decide(f, { type: 'staff_command', command: { verb: 'flag', flag: 'harm' }, staff: { email: 'rep@example.com', role: 'rep', id: 1n }, channel: 'email' }, NOW);
    expect(f).toEqual(copy);
  });

  it('gives the same decision for the same facts, event and time', () => {
    const f = openCase();
    expect(decide(f, { type: 'deadline_due', kind: 'update' }, NOW)).toEqual(decide(f, { type: 'deadline_due', kind: 'update' }, NOW));
  });
});
