import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { messageIdOf, startE2E, TEST_AUTHSERV_ID, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, kindOf, openCase, sentTo, staffSays } from '../helpers/e2e-cases.ts';

/**
 * Issue "Only the right people can act by email", part 3: a customer's confirmation, "not
 * resolved" or deadlock request acts only when its sender authentication did not fail and
 * its thread is its own; otherwise it is recorded on the case and shown to staff.
 */
describe('security: customer actions need a sender that is not forged', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const ALICE = 'alice@example.com';
  const RITA = 'rita@telco.test';
  const dmarcFail = `Authentication-Results: ${TEST_AUTHSERV_ID}; spf=fail smtp.mailfrom=example.com; dmarc=fail (p=reject) header.from=example.com`;

  /** A case with its outcome sent, awaiting Alice's confirmation. */
  async function awaitingConfirmation() {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const c = await openCase(e, `Alice <${ALICE}>`);
    await staffSays(e, RITA, c.reference, '#outcome We refunded the second payment of 42.50.');
    const outcome = sentTo(e, ALICE, 'outcome').at(-1)!;
    return { ...c, outcome };
  }

  async function expectNotActedOn(reference: string, kind: string, before: number, reason: string) {
    const after = e.sink.messages.slice(before);
    expect(after.map((m) => [kindOf(m), [...m.envelope.to]])).toEqual([['staff_alert', [RITA]]]);
    expect(after[0]!.parsed.subject).toBe(`Customer message not acted on: sender not verified [${reference}]`);
    const refused = (await historyEvents(e, reference)).filter((h) => h.event === 'customer_action.refused');
    expect(refused.map((h) => h.data)).toEqual([{ kind, from: ALICE, reason }]);
  }

  it('attack: a forged customer From with our Message-ID taken from a forwarded copy and "Yes, resolved" does not close the case', async () => {
    const c = await awaitingConfirmation();
    const before = e.sink.messages.length;
    await e.email({ from: `Alice <${ALICE}>`, subject: `Re: ${c.outcome.parsed.subject}`, body: 'Yes, resolved. Thanks!', inReplyTo: messageIdOf(c.outcome), trace: [dmarcFail] });
    await e.runDue();
    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'awaiting_confirmation', closed_at: null });
    await expectNotActedOn(c.reference, 'confirmation', before, 'sender authentication failed (dmarc=fail for example.com)');

    e.at('2026-09-02T07:30:00Z');
    await e.runDue();
    expect(e.sent('staff_digest').at(-1)!.parsed.text).toMatch(new RegExp(`${c.reference}: message not acted on: .*refused: sender authentication failed`));
  });

  it('attack: a forged "not resolved" does not reopen the case or escalate it to the Director', async () => {
    const c = await awaitingConfirmation();
    const before = e.sink.messages.length;
    await e.email({ from: ALICE, subject: `Re: ${c.outcome.parsed.subject}`, body: 'This is not resolved at all.', inReplyTo: messageIdOf(c.outcome), trace: [dmarcFail] });
    await e.runDue();
    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'awaiting_confirmation', owner_role: 'rep', director_escalated_at: null });
    await expectNotActedOn(c.reference, 'not_resolved', before, 'sender authentication failed (dmarc=fail for example.com)');
  });

  it('attack: a reply that answers only a message staff received (a thread the customer never had) may not act', async () => {
    const c = await awaitingConfirmation();
    const staffOnly = e.sent('staff_alert').concat(e.sent('command_receipt')).find((m) => m.envelope.to.includes(RITA))!;
    const before = e.sink.messages.length;
    await e.email({ from: ALICE, subject: 'Re: case', body: 'Yes, resolved. Thanks!', inReplyTo: messageIdOf(staffOnly) });
    await e.runDue();
    expect((await caseRow(e, c.reference)).status).toBe('awaiting_confirmation');
    await expectNotActedOn(c.reference, 'confirmation', before, 'it answers a message that only staff received');
  });

  it("the customer's own confirmation, not failing authentication, still closes the case (R11)", async () => {
    const c = await awaitingConfirmation();
    await e.email({ from: ALICE, subject: `Re: ${c.outcome.parsed.subject}`, body: 'Yes, resolved. Thanks!', inReplyTo: messageIdOf(c.outcome) });
    await e.runDue();
    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'closed', closure_reason: 'confirmed' });
    expect(sentTo(e, ALICE, 'closure_confirmed')).toHaveLength(1);
  });
});
