import { describe, expect, it } from 'vitest';

import { decide, type CaseFacts } from '../../src/cases/lifecycle.ts';
import { planDeadlines } from '../../src/policy/deadlines.ts';
import { DEFAULT_POLICY } from '../../src/policy/settings.ts';
import type { StaffCommand } from '../../src/staff/commands.ts';
import {
  ALL_COMMANDS,
  apply,
  at,
  awaitingCase,
  calendar,
  caseFacts,
  closedCase,
  describeCommand,
  DIRECTOR,
  ENGINEER,
  NOW,
  OUTCOME_SENT,
  openCase,
  RECEIVED,
  REP,
  staffDoes,
  SUPERVISOR,
  withdrawnCase,
  planned,
  dueOf,
} from './case-facts.ts';

const cases = ALL_COMMANDS.map((c) => [describeCommand(c), c] as const);

describe('decide: staff commands', () => {
  describe('R4 the first staff action is the review', () => {
    it.each(cases)('R4 %s on a new case marks it reviewed and keeps the review deadline', (_name, command) => {
      const d = staffDoes(caseFacts(), command);
      expect(d.error).toBeUndefined();
      expect(d.patch.reviewedAt).toEqual(NOW);
      expect(d.kept).toContain('review');
    });

    it.each(cases.filter(([, c]) => c.verb !== 'outcome' && c.verb !== 'withdrawn'))('R4 %s moves a new case to open', (_name, command) => {
      expect(staffDoes(caseFacts(), command).patch.status).toBe('open');
    });

    it('R4 an outcome as the first action leaves the case awaiting confirmation, not open', () => {
      expect(staffDoes(caseFacts(), { verb: 'outcome', text: 'Refunded.' }).patch.status).toBe('awaiting_confirmation');
    });

    it('R4 withdrawal as the first action leaves the case withdrawn, not open', () => {
      expect(staffDoes(caseFacts(), { verb: 'withdrawn' }).patch.status).toBe('withdrawn');
    });

    it.each(cases)('R4 %s on a reviewed case does not review it again', (_name, command) => {
      const d = staffDoes(openCase(), command);
      expect(d.patch.reviewedAt).toBeUndefined();
      expect(d.kept).not.toContain('review');
    });

    it('R4 the review deadline is no longer planned after the first action', () => {
      const f = caseFacts();
      expect(planned(f)).toContain('review');
      expect(planned(apply(f, staffDoes(f, { verb: 'assign' })))).not.toContain('review');
    });
  });

  describe('commands on ended cases are refused, except #note and #reply', () => {
    const refusedOnEnded = cases.filter(([, c]) => c.verb !== 'note' && c.verb !== 'reply');

    it.each(refusedOnEnded)('%s on a closed case is refused with an error and nothing else', (_name, command) => {
      const d = staffDoes(closedCase(), command);
      expect(d.error).toBe(`the case is closed; #${command.verb} applies only to open cases`);
      expect(d.patch).toEqual({});
      expect(d.sends).toEqual([]);
      expect(d.kept).toEqual([]);
      expect(d.history).toEqual([]);
    });

    it.each(refusedOnEnded)('%s on a withdrawn case is refused with an error naming the status', (_name, command) => {
      const d = staffDoes(withdrawnCase(), command);
      expect(d.error).toBe(`the case is withdrawn; #${command.verb} applies only to open cases`);
      expect(d.patch).toEqual({});
      expect(d.sends).toEqual([]);
    });

    it.each([['closed', closedCase()], ['withdrawn', withdrawnCase()]] as const)('a #note on a %s case is recorded', (_status, f) => {
      const d = staffDoes(f, { verb: 'note', text: 'Customer phoned to say thanks.' });
      expect(d.error).toBeUndefined();
      expect(d.patch).toEqual({ latestNote: 'Customer phoned to say thanks.', latestNoteAt: NOW });
    });

    it.each([['closed', closedCase()], ['withdrawn', withdrawnCase()]] as const)('a #reply on a %s case is sent without reopening it', (_status, f) => {
      const d = staffDoes(f, { verb: 'reply', text: 'You are welcome.' });
      expect(d.error).toBeUndefined();
      expect(d.patch.status).toBeUndefined();
      expect(d.sends).toEqual([{ kind: 'reply', to: 'customer', automatic: false, data: { text: 'You are welcome.' } }]);
    });
  });

  describe('R10 #outcome', () => {
    it('R10 records the outcome, sends it to the customer (not an automatic message) and awaits confirmation', () => {
      const d = staffDoes(openCase(), { verb: 'outcome', text: 'We refunded £12.' });
      expect(d.patch).toEqual({ outcome: 'We refunded £12.', outcomeSentAt: NOW, status: 'awaiting_confirmation', lastCustomerContactAt: NOW });
      expect(d.sends).toEqual([{ kind: 'outcome', to: 'registered', automatic: false, data: { text: 'We refunded £12.' } }]);
      expect(d.history).toEqual([{ event: 'outcome.recorded', data: { rule: 'R10', text: 'We refunded £12.' } }]);
      expect(d.kept).toEqual([]);
    });

    it('R12 closure by silence is then due 5 business days later and R3 updates stop', () => {
      const f = openCase();
      const next = apply(f, staffDoes(f, { verb: 'outcome', text: 'Refunded.' }));
      expect(dueOf(next, 'closure')).toBe('2026-02-11T11:00:00.000Z');
      expect(planned(next)).not.toContain('update');
    });

    it('R7 an outcome is the determination the Director owed', () => {
      const f = openCase({ ownerRole: 'director', directorEscalatedAt: at('2026-02-03T09:00:00Z') });
      const d = staffDoes(f, { verb: 'outcome', text: 'Determination: refund.' });
      expect(d.patch.directorDeterminedAt).toEqual(NOW);
      expect(d.kept).toContain('director');
      expect(planned(apply(f, d))).not.toContain('director');
    });

    it('R6 an outcome ends the engineering referral', () => {
      const f = openCase({ flags: ['technical'], technicalSince: RECEIVED });
      const d = staffDoes(f, { verb: 'outcome', text: 'Line repaired.' });
      expect(d.patch.engineeringRespondedAt).toEqual(NOW);
      expect(d.kept).toEqual(expect.arrayContaining(['engineering_target', 'engineering_overdue']));
      expect(planned(apply(f, d))).not.toContain('engineering_overdue');
    });

    it('R7/R6 an outcome keeps nothing already kept', () => {
      const f = openCase({ directorEscalatedAt: RECEIVED, directorDeterminedAt: OUTCOME_SENT, technicalSince: RECEIVED, engineeringRespondedAt: OUTCOME_SENT });
      const d = staffDoes(f, { verb: 'outcome', text: 'x' });
      expect(d.kept).toEqual([]);
      expect(d.patch.directorDeterminedAt).toBeUndefined();
      expect(d.patch.engineeringRespondedAt).toBeUndefined();
    });

    it('R10 a new outcome while awaiting confirmation replaces the old one and restarts the R12 clock', () => {
      const f = awaitingCase();
      const next = apply(f, staffDoes(f, { verb: 'outcome', text: 'Revised: full refund.' }));
      expect(next.outcome).toBe('Revised: full refund.');
      expect(dueOf(awaitingCase(), 'closure')).toBe('2026-02-10T15:00:00.000Z');
      expect(dueOf(next, 'closure')).toBe('2026-02-11T11:00:00.000Z');
    });
  });

  describe('R3 #note', () => {
    it('R3 records the note for the next progress update, and tells the customer nothing yet', () => {
      const d = staffDoes(openCase(), { verb: 'note', text: 'Engineer visit Friday.' });
      expect(d.patch).toEqual({ latestNote: 'Engineer visit Friday.', latestNoteAt: NOW });
      expect(d.sends).toEqual([]);
      expect(d.history).toEqual([{ event: 'note.added', data: { rule: 'R3', text: 'Engineer visit Friday.' } }]);
    });

    it('R3 the next progress update carries the note', () => {
      const f = openCase();
      const next = apply(f, staffDoes(f, { verb: 'note', text: 'Engineer visit Friday.' }));
      const update = decide(next, { type: 'deadline_due', kind: 'update' }, at('2026-02-11T11:00:00Z'));
      expect(update.sends[0]?.data).toEqual({ note: 'Engineer visit Friday.' });
    });

    it('R7 a note from the Director is the determination', () => {
      const f = openCase({ directorEscalatedAt: RECEIVED });
      const d = staffDoes(f, { verb: 'note', text: 'Determined: goodwill credit.' }, DIRECTOR);
      expect(d.patch.directorDeterminedAt).toEqual(NOW);
      expect(d.kept).toContain('director');
    });

    it('R7 a note from a representative is not the Director\'s determination', () => {
      const d = staffDoes(openCase({ directorEscalatedAt: RECEIVED }), { verb: 'note', text: 'Chased the Director.' }, REP);
      expect(d.patch.directorDeterminedAt).toBeUndefined();
      expect(d.kept).not.toContain('director');
    });
  });

  describe('#reply', () => {
    it('sends the text to the customer as a staff message (not automatic) and records it', () => {
      const d = staffDoes(openCase(), { verb: 'reply', text: 'Could you send a photo of the router?' });
      expect(d.sends).toEqual([{ kind: 'reply', to: 'customer', automatic: false, data: { text: 'Could you send a photo of the router?' } }]);
      expect(d.patch).toEqual({ lastCustomerContactAt: NOW });
      expect(d.history).toEqual([{ event: 'staff.reply', data: { text: 'Could you send a photo of the router?' } }]);
    });

    it('R3 a reply counts as a message the customer received: the next update is 5 business days after it', () => {
      const f = openCase();
      expect(dueOf(apply(f, staffDoes(f, { verb: 'reply', text: 'x' })), 'update')).toBe('2026-02-11T11:00:00.000Z');
    });

    it('R7 a reply from the Director is not by itself the determination', () => {
      const d = staffDoes(openCase({ directorEscalatedAt: RECEIVED }), { verb: 'reply', text: 'I am looking at it.' }, DIRECTOR);
      expect(d.patch.directorDeterminedAt).toBeUndefined();
    });
  });

  describe('#escalate', () => {
    it('R5 #escalate supervisor makes a supervisor the owner and records it', () => {
      const d = staffDoes(openCase(), { verb: 'escalate', to: 'supervisor' });
      expect(d.patch).toEqual({ ownerRole: 'supervisor' });
      expect(d.sends).toEqual([]);
      expect(d.history).toEqual([{ event: 'escalated.supervisor', data: { rule: 'R5' } }]);
    });

    it('R6 #escalate engineering refers the case: engineering owns it, is alerted, and the clock starts now', () => {
      const f = openCase();
      const d = staffDoes(f, { verb: 'escalate', to: 'engineering' });
      expect(d.patch).toEqual({ ownerRole: 'engineering', technicalSince: NOW, engineeringRespondedAt: null, flags: ['technical'] });
      expect(d.sends).toEqual([expect.objectContaining({ kind: 'staff_alert', to: 'engineering', automatic: false })]);
      expect(d.history).toEqual([{ event: 'escalated.engineering', data: { rule: 'R6' } }]);
      expect(dueOf(apply(f, d), 'engineering_target')).toBe('2026-02-09T11:00:00.000Z');
      expect(dueOf(apply(f, d), 'engineering_overdue')).toBe('2026-02-11T11:00:00.000Z');
    });

    it('R7 #escalate director: the Director owns it, is alerted at once, the customer is told, and 5 days run', () => {
      const f = openCase();
      const d = staffDoes(f, { verb: 'escalate', to: 'director' });
      expect(d.patch).toEqual({ ownerRole: 'director', directorEscalatedAt: NOW, directorDeterminedAt: null, lastCustomerContactAt: NOW });
      expect(d.sends).toEqual([
        expect.objectContaining({ kind: 'director_escalation', to: 'customer', automatic: true }),
        expect.objectContaining({ kind: 'staff_alert', to: 'director', automatic: false }),
      ]);
      expect(d.history).toEqual([{ event: 'escalated.director', data: { rule: 'R7', reason: 'staff escalation' } }]);
      expect(dueOf(apply(f, d), 'director')).toBe('2026-02-09T11:00:00.000Z');
    });

    it('R7 #escalate director on a case awaiting confirmation keeps the status', () => {
      expect(staffDoes(awaitingCase(), { verb: 'escalate', to: 'director' }).patch.status).toBeUndefined();
    });
  });

  describe('#flag', () => {
    it.each(['vulnerable', 'urgent', 'harm'] as const)('R8 #flag %s makes the case a priority referral', (flag) => {
      const d = staffDoes(openCase({ flags: ['third_party'] }), { verb: 'flag', flag });
      expect(d.patch).toEqual({ flags: ['third_party', flag], priority: true });
      expect(d.history).toEqual([{ event: 'flag.added', data: { flag, rule: 'R8' } }]);
      expect(d.sends).toEqual([]);
    });

    it('R8 flagging again does not duplicate the flag', () => {
      expect(staffDoes(openCase({ flags: ['urgent'] }), { verb: 'flag', flag: 'urgent' }).patch.flags).toEqual(['urgent']);
    });

    it('R6 #flag technical refers the case to engineering without changing its owner', () => {
      const d = staffDoes(openCase({ ownerRole: 'supervisor' }), { verb: 'flag', flag: 'technical' });
      expect(d.patch).toEqual({ technicalSince: NOW, engineeringRespondedAt: null, flags: ['technical'] });
      expect(d.sends).toEqual([expect.objectContaining({ kind: 'staff_alert', to: 'engineering' })]);
      expect(d.history).toEqual([{ event: 'escalated.engineering', data: { rule: 'R6' } }]);
    });

    it.each([
      ['vexatious', 'vexatious'],
      ['out-of-jurisdiction', 'out_of_jurisdiction'],
    ] as const)('R14/R16 #flag %s is stored as %s and is not a priority', (flag, stored) => {
      const d = staffDoes(openCase(), { verb: 'flag', flag });
      expect(d.patch).toEqual({ flags: [stored], priority: false });
      expect(d.history).toEqual([{ event: 'flag.added', data: { flag: stored, rule: 'R14/R16' } }]);
    });

    it.each(['vexatious', 'out-of-jurisdiction'] as const)('R14/R16 after #flag %s the ADR notice and its warning are no longer owed', (flag) => {
      const f = openCase();
      expect(planned(f)).toEqual(expect.arrayContaining(['adr', 'adr_warning']));
      const next = apply(f, staffDoes(f, { verb: 'flag', flag }));
      expect(planned(next)).not.toContain('adr');
      expect(planned(next)).not.toContain('adr_warning');
    });

    it('R8 a vexatious flag does not take away an existing priority', () => {
      expect(staffDoes(openCase({ flags: ['repeat'] }), { verb: 'flag', flag: 'vexatious' }).patch.priority).toBe(true);
    });
  });

  describe('R15 deadlock letter: issue or refuse with a reason', () => {
    it('R15 #deadlock issues the letter to the customer and records the decision', () => {
      const d = staffDoes(openCase({ deadlockRequestedAt: RECEIVED }), { verb: 'deadlock' });
      expect(d.patch).toEqual({ deadlockDecision: 'issued', lastCustomerContactAt: NOW });
      expect(d.sends).toEqual([{ kind: 'deadlock_letter', to: 'customer', automatic: false }]);
      expect(d.history).toEqual([{ event: 'deadlock.issued', data: { rule: 'R15' } }]);
    });

    it('R15 staff may issue a letter nobody asked for', () => {
      expect(staffDoes(openCase(), { verb: 'deadlock' }).error).toBeUndefined();
    });

    it.each(['timely', 'vexatious', 'jurisdiction'] as const)('R15 #refuse-deadlock %s records the reason and tells the customer', (reason) => {
      const d = staffDoes(openCase({ deadlockRequestedAt: RECEIVED }), { verb: 'refuse-deadlock', reason });
      expect(d.patch).toEqual({ deadlockDecision: 'refused', deadlockRefusalReason: reason, lastCustomerContactAt: NOW });
      expect(d.sends).toEqual([{ kind: 'deadlock_refusal', to: 'customer', automatic: false, data: { reason } }]);
      expect(d.history).toEqual([{ event: 'deadlock.refused', data: { rule: 'R15', reason } }]);
    });
  });

  describe('R17 #withdrawn: the one way to end a case without an outcome', () => {
    it.each([['new', caseFacts()], ['open', openCase()], ['awaiting_confirmation', awaitingCase()]] as const)(
      'R17 a %s case is withdrawn, closed without an outcome and without a message',
      (_status, f) => {
        const d = staffDoes(f, { verb: 'withdrawn' });
        expect(d.patch).toMatchObject({ status: 'withdrawn', closedAt: NOW, closureReason: 'withdrawn' });
        expect(d.patch.outcomeSentAt).toBeUndefined();
        expect(d.sends).toEqual([]);
        expect(d.history).toEqual([{ event: 'case.withdrawn', data: { rule: 'R17' } }]);
      },
    );

    it('R17 a withdrawn case owes nothing more', () => {
      const f = openCase({ technicalSince: RECEIVED, directorEscalatedAt: RECEIVED });
      expect(planDeadlines(apply(f, staffDoes(f, { verb: 'withdrawn' })), calendar, DEFAULT_POLICY)).toEqual([]);
    });
  });

  describe('R4 #assign', () => {
    it('R4 records the assignment in the history', () => {
      const d = staffDoes(caseFacts(), { verb: 'assign' });
      expect(d.history).toContainEqual(expect.objectContaining({ event: 'case.assigned' }));
      expect(d.sends).toEqual([]);
    });

    it('R4 records who the case is assigned to: the staff member who sent #assign', () => {
      expect(staffDoes(caseFacts(), { verb: 'assign' }, SUPERVISOR).patch.ownerStaffId).toBe(SUPERVISOR.id);
    });
  });

  describe('R6/R7 who acts keeps their own deadline', () => {
    it.each(cases.filter(([, c]) => !(c.verb === 'escalate' && c.to === 'engineering') && !(c.verb === 'flag' && c.flag === 'technical')))(
      'R6 %s from engineering is engineering\'s response',
      (_name, command) => {
        const d = staffDoes(openCase({ technicalSince: RECEIVED }), command, ENGINEER);
        expect(d.patch.engineeringRespondedAt).toEqual(NOW);
        expect(d.kept).toEqual(expect.arrayContaining(['engineering_target', 'engineering_overdue']));
      },
    );

    it('R6 an engineer acting on a case that is not technical keeps nothing of R6', () => {
      const d = staffDoes(openCase(), { verb: 'note', text: 'Looked, not ours.' }, ENGINEER);
      expect(d.patch.engineeringRespondedAt).toBeUndefined();
      expect(d.kept).toEqual([]);
    });

    it.each([REP, SUPERVISOR, DIRECTOR])('R6 a note from $role is not engineering\'s response', (staff) => {
      const d = staffDoes(openCase({ technicalSince: RECEIVED }), { verb: 'note', text: 'Chased engineering.' }, staff);
      expect(d.patch.engineeringRespondedAt).toBeUndefined();
    });

    it.each<StaffCommand>([{ verb: 'assign' }, { verb: 'escalate', to: 'supervisor' }, { verb: 'flag', flag: 'urgent' }, { verb: 'deadlock' }])(
      'R7 the Director\'s %j is not a determination',
      (command) => {
        const d = staffDoes(openCase({ directorEscalatedAt: RECEIVED }), command, DIRECTOR);
        expect(d.patch.directorDeterminedAt).toBeUndefined();
        expect(d.kept).not.toContain('director');
      },
    );

    it('R7 the Director\'s outcome is the determination', () => {
      const d = staffDoes(openCase({ directorEscalatedAt: RECEIVED }), { verb: 'outcome', text: 'Refund.' }, DIRECTOR);
      expect(d.patch.directorDeterminedAt).toEqual(NOW);
      expect(d.kept).toContain('director');
    });
  });
});

describe('decide: undoing a command, and the receipt an email command earns', () => {
  it('#reopen reopens a withdrawn case and plans its deadlines again', () => {
    const f = withdrawnCase();
    const d = staffDoes(f, { verb: 'reopen' });
    expect(d.error).toBeUndefined();
    expect(d.patch).toMatchObject({ status: 'open', closedAt: null, closureReason: null, reopenedCount: f.reopenedCount + 1 });
    expect(d.history[0]).toEqual({ event: 'case.reopened', data: { reason: 'staff reopened it', was: 'withdrawn' } });
    expect(planned(apply(f, d))).toContain('update');
  });

  it('#reopen on an open case is refused', () => {
    expect(staffDoes(openCase(), { verb: 'reopen' }).error).toBe('the case is open, not closed; nothing to reopen');
  });

  it('#unflag takes a flag off and recomputes priority (R8)', () => {
    const d = staffDoes(openCase({ flags: ['urgent'], priority: true }), { verb: 'unflag', flag: 'urgent' });
    expect(d.patch).toMatchObject({ flags: [], priority: false });
    expect(d.history).toEqual([{ event: 'flag.removed', data: { flag: 'urgent', rule: 'R8' } }]);
    expect(staffDoes(openCase(), { verb: 'unflag', flag: 'harm' }).error).toBe('the case is not flagged harm');
  });

  it.each(cases)('%s by email earns its sender a receipt saying what was done and how to undo it; by CLI none', (_name, command) => {
    const f = caseFacts();
    const byEmail = decide(f, { type: 'staff_command', command, staff: REP, channel: 'email' }, NOW);
    const receipt = byEmail.sends.find((s) => s.kind === 'command_receipt');
    expect(receipt).toMatchObject({ to: 'actor', automatic: false, data: { verb: command.verb } });
    expect((receipt!.data!.done as string[])[0]!.length).toBeGreaterThan(10);
    expect(String(receipt!.data!.undo).length).toBeGreaterThan(10);
    expect(decide(f, { type: 'staff_command', command, staff: REP, channel: 'cli' }, NOW).sends.some((s) => s.kind === 'command_receipt')).toBe(false);
  });

  it('a refused command earns no receipt, only its error', () => {
    const d = decide(closedCase(), { type: 'staff_command', command: { verb: 'withdrawn' }, staff: REP, channel: 'email' }, NOW);
    expect(d.error).toBeDefined();
    expect(d.sends).toEqual([]);
  });

  it('a customer action refused for its sender changes nothing on the case and alerts staff', () => {
    const d = decide(awaitingCase(), { type: 'customer_action_refused', kind: 'confirmation', from: 'a@example.com', reason: 'sender authentication failed (dmarc=fail for example.com)' }, NOW);
    expect(d.patch).toEqual({});
    expect(d.kept).toEqual([]);
    expect(d.sends).toEqual([expect.objectContaining({ kind: 'staff_alert', to: 'staff' })]);
    expect(d.history).toEqual([{ event: 'customer_action.refused', data: { kind: 'confirmation', from: 'a@example.com', reason: 'sender authentication failed (dmarc=fail for example.com)' } }]);
  });
});
