import { describe, expect, it } from 'vitest';

import { decide, type CaseFacts, type Decision } from '../../src/cases/lifecycle.ts';
import type { StaffCommand } from '../../src/staff/commands.ts';
import { apply, at, awaitingCase, calendar, NOW, openCase, OUTCOME_SENT, planned, REP } from './case-facts.ts';

/** `#confirmed-by-post DATE` as runStaffCommand passes it: the letter's day in the business time zone. */
function byPost(f: CaseFacts, on: string, channel: 'email' | 'cli' = 'cli', now: Date = NOW): Decision {
  const start = calendar.startOfLocalDate(on);
  const command: StaffCommand = { verb: 'confirmed-by-post', on };
  return decide(f, { type: 'staff_command', command, staff: REP, channel, letterDay: { start, end: calendar.addCalendarDays(start, 1) } }, now);
}

describe('R11 closure confirmed by post', () => {
  it('closes the case as confirmed, records the letter date and sends the closure notice', () => {
    const d = byPost(awaitingCase(), '2026-02-04');
    expect(d.error).toBeUndefined();
    expect(d.patch).toEqual({ status: 'closed', closedAt: NOW, closureReason: 'confirmed' });
    expect(d.sends).toEqual([{ kind: 'closure_confirmed', to: 'customer', automatic: false, data: { letterDate: '2026-02-04' } }]);
    expect(d.history).toEqual([{ event: 'case.closed', data: { rule: 'R11', reason: 'confirmed', confirmed_by: 'post', letter_date: '2026-02-04' } }]);
    expect(planned(apply(awaitingCase(), d))).toEqual([]); // R12's closure by silence is no longer owed
  });

  it('by email the staff member also gets a receipt saying what was done and how to undo it', () => {
    const d = byPost(awaitingCase(), '2026-02-04', 'email');
    expect(d.sends.map((s) => s.kind)).toEqual(['closure_confirmed', 'command_receipt']);
    expect(d.sends[1]).toEqual({
      kind: 'command_receipt',
      to: 'actor',
      automatic: false,
      data: {
        verb: 'confirmed-by-post',
        done: ["Closed the case as confirmed by the customer's letter dated 2026-02-04, and sent them the closure notice (R11)."],
        undo: 'Send #reopen; the closure notice has been sent and cannot be recalled, so write to the customer with #reply.',
      },
    });
  });

  it('a letter dated the day the outcome went out counts (the outcome was sent at 15:00, the letter date is that whole day)', () => {
    expect(byPost(awaitingCase(), '2026-02-03').error).toBeUndefined();
  });

  it('a case reopened by a reply to the outcome still closes on a letter confirming that outcome', () => {
    expect(byPost(awaitingCase({ status: 'open' }), '2026-02-04').patch.status).toBe('closed');
  });

  it('R17: refused while no outcome has been given', () => {
    const d = byPost(openCase(), '2026-02-04');
    expect(d.error).toBe('no outcome has been given yet (R17): record it with #outcome; the customer can then confirm it');
    expect(d.patch).toEqual({});
    expect(d.sends).toEqual([]);
  });

  it('refuses a letter dated in the future (tomorrow in London)', () => {
    expect(byPost(awaitingCase(), '2026-02-05').error).toBe('the letter is dated 2026-02-05, which is in the future');
  });

  it('refuses a letter dated before the outcome was sent', () => {
    expect(byPost(awaitingCase(), '2026-02-02').error).toBe(`the letter is dated 2026-02-02, before the outcome was sent (${OUTCOME_SENT.toISOString()}): it cannot confirm that outcome`);
  });

  it('reads the date in the business time zone: 00:30 BST on 1 July is already 1 July', () => {
    const f = awaitingCase({ outcomeSentAt: at('2026-06-29T10:00:00Z') });
    expect(byPost(f, '2026-07-01', 'cli', at('2026-06-30T23:30:00Z')).error).toBeUndefined();
    expect(byPost(f, '2026-07-02', 'cli', at('2026-06-30T23:30:00Z')).error).toBe('the letter is dated 2026-07-02, which is in the future');
  });
});
