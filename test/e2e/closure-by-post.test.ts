import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { header, startE2E, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, openCase, redressAt, sentTo, staffSays } from '../helpers/e2e-cases.ts';

/**
 * R11 when the customer confirms by post: staff record the letter by email
 * (`#confirmed-by-post DATE`) or CLI (`redress case REF confirmed --by-post --on DATE`).
 * The clock starts on Tuesday 1 September 2026, 11:00 in London.
 */
describe('R11 closure confirmed by post, end to end', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const ALICE = 'alice@example.com';
  const RITA = 'rita@telco.test';

  async function outcomeGiven(): Promise<string> {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    e.at('2026-09-02T09:00:00Z');
    await staffSays(e, RITA, reference, '#outcome We refunded the second payment of £42.50 to your card today.');
    expect(sentTo(e, ALICE, 'outcome')).toHaveLength(1);
    return reference;
  }

  const redress = (args: string[]) => redressAt(e, args);

  it('"#confirmed-by-post 2026-09-04" by email closes the case as confirmed, with the letter date on the record, and sends the closure notice', async () => {
    const reference = await outcomeGiven();
    e.at('2026-09-07T10:00:00Z'); // Monday: the customer's letter of Friday arrived
    await staffSays(e, RITA, reference, '#confirmed-by-post 2026-09-04\nLetter scanned to the case folder.');

    expect(await caseRow(e, reference)).toMatchObject({ status: 'closed', closure_reason: 'confirmed', closed_at: new Date('2026-09-07T10:00:00Z') });
    const closed = (await historyEvents(e, reference)).find((h) => h.event === 'case.closed');
    expect(closed).toEqual({ event: 'case.closed', actor: `staff:${RITA}`, data: { rule: 'R11', reason: 'confirmed', confirmed_by: 'post', letter_date: '2026-09-04' } });
    const [notice] = sentTo(e, ALICE, 'closure_confirmed');
    expect(notice!.parsed.subject).toContain(reference);
    expect(notice!.parsed.text).toContain('Thank you for your letter of Friday 4 September 2026 confirming that your complaint');
    expect(notice!.parsed.text).toContain('We closed the case on Monday 7 September 2026.');
    expect(header(notice!, 'auto-submitted')).toBeUndefined(); // a staff decision, not an automatic reply
    const [receipt] = sentTo(e, RITA, 'command_receipt').filter((m) => m.parsed.text?.includes('confirmed by the customer'));
    expect(receipt!.parsed.text).toContain("Closed the case as confirmed by the customer's letter dated 2026-09-04, and sent them the closure notice (R11).");
    expect(receipt!.parsed.text).toContain('Send #reopen');

    e.at('2026-09-10T10:00:00Z'); // past the R12 date: nothing more is sent
    await e.runDue();
    expect(e.sent('closure_no_response')).toHaveLength(0);
    const [closure] = await e.db.sql`select d.status from deadlines d join cases c on c.id = d.case_id where c.reference = ${reference} and d.kind = 'closure'`;
    expect(closure!.status).toBe('cancelled');
  });

  it('a letter dated before the outcome, by email, is refused: the staff member is told why and the case stays open', async () => {
    const reference = await outcomeGiven();
    e.at('2026-09-03T10:00:00Z');
    await staffSays(e, RITA, reference, '#confirmed-by-post 2026-09-01');
    expect(await caseRow(e, reference)).toMatchObject({ status: 'awaiting_confirmation', closure_reason: null });
    const refusal = sentTo(e, RITA, 'staff_alert').find((m) => m.parsed.subject?.includes('Command #confirmed-by-post refused'));
    expect(refusal!.parsed.text).toContain('the letter is dated 2026-09-01, before the outcome was sent (2026-09-02T09:00:00.000Z): it cannot confirm that outcome');
    expect(sentTo(e, ALICE, 'closure_confirmed')).toHaveLength(0);
  });

  it('"redress case REF confirmed --by-post --on DATE" closes the case and sends the closure notice; a future date, a missing --by-post and a case without an outcome are refused with a clear error', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    expect(await redress(['case', reference, 'confirmed', '--by-post', '--on', '2026-09-01', '--by', RITA])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'redress: no outcome has been given yet (R17): record it with #outcome; the customer can then confirm it\n',
    });

    e.at('2026-09-02T09:00:00Z');
    expect((await redress(['case', reference, 'resolve', '--text', 'We refunded the second payment.', '--by', RITA])).code).toBe(0);
    await e.runDue();
    e.at('2026-09-03T15:00:00Z');
    expect(await redress(['case', reference, 'confirmed', '--by-post', '--on', '2026-09-04'])).toEqual({ code: 1, stdout: '', stderr: 'redress: the letter is dated 2026-09-04, which is in the future\n' });
    expect(await redress(['case', reference, 'confirmed', '--on', '2026-09-03'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'redress: confirmed records a confirmation that came by post: give --by-post --on YYYY-MM-DD (the date of the letter)\n',
    });
    expect((await redress(['case', reference, 'confirmed', '--by-post', '--on', '3 Sept'])).stderr).toBe(
      'redress: #confirmed-by-post takes the date of the customer\'s letter as YYYY-MM-DD, for example #confirmed-by-post 2026-03-02; got "3"\n',
    );
    expect(await caseRow(e, reference)).toMatchObject({ status: 'awaiting_confirmation' });

    const done = await redress(['case', reference, 'confirmed', '--by-post', '--on', '2026-09-03', '--by', RITA, '--json']);
    expect(JSON.parse(done.stdout)).toEqual({ reference, action: 'confirmed', result: `${reference}: case.closed; queued closure_confirmed` });
    await e.runDue();
    expect(await caseRow(e, reference)).toMatchObject({ status: 'closed', closure_reason: 'confirmed' });
    const [notice] = sentTo(e, ALICE, 'closure_confirmed');
    expect(notice!.parsed.text).toContain('Thank you for your letter of Thursday 3 September 2026');
    expect(sentTo(e, RITA, 'command_receipt')).toHaveLength(0); // the CLI prints its own result
    expect((await historyEvents(e, reference)).filter((h) => h.event === 'case.closed').map((h) => h.data)).toEqual([{ rule: 'R11', reason: 'confirmed', confirmed_by: 'post', letter_date: '2026-09-03' }]);
  });
});
