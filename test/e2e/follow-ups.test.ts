import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { rawMail, startE2E, TEST_AUTHSERV_ID, type E2E } from '../helpers/e2e.ts';
import { caseRow, COMPLAINT, historyEvents, kindOf, openCase, sentTo, staffSays } from '../helpers/e2e-cases.ts';

/**
 * Issue 10 part 1: a customer who follows up on their own email (their client sets
 * In-Reply-To to the complaint's Message-ID, as "Reply" on a sent message does) joins
 * their case instead of opening a second one with a second acknowledgement. The clock
 * starts on Tuesday 1 September 2026, 11:00 in London.
 */
describe('follow-ups join their case, end to end', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const ALICE = 'alice@example.com';
  const RITA = 'rita@telco.test';
  const FOLLOW_UP = 'Sorry, I forgot to say: the second payment was taken on 28 August, reference 55120.';
  const dmarcFail = `Authentication-Results: ${TEST_AUTHSERV_ID}; spf=fail smtp.mailfrom=example.com; dmarc=fail (p=reject) header.from=example.com`;

  const caseCount = async () => (await e.db.sql<{ n: number }[]>`select count(*)::int as n from cases`)[0]!.n;
  const inbound = async (messageId: string) => {
    const [row] = await e.db.sql<{ kind: string; reference: string | null; reasons: string[] }[]>`
      select i.kind, c.reference, i.classification -> 'reasons' as reasons from inbound_messages i left join cases c on c.id = i.case_id where i.message_id = ${messageId}`;
    return row;
  };

  it("a follow-up to the customer's own email joins the case: no second case, no second acknowledgement", async () => {
    e = await startE2E();
    const c = await openCase(e, `Alice <${ALICE}>`);
    e.at('2026-09-01T10:20:00Z');
    const followUp = await e.email({ from: `Alice <${ALICE}>`, subject: 'Re: Complaint about my account', body: FOLLOW_UP, inReplyTo: c.complaintId, references: [c.complaintId] });
    await e.runDue();

    expect(await caseCount()).toBe(1);
    expect(sentTo(e, ALICE).map(kindOf)).toEqual(['ack']);
    expect(await inbound(followUp)).toEqual({ kind: 'reply', reference: c.reference, reasons: ['thread: headers', 'reply'] });
    expect((await historyEvents(e, c.reference)).filter((h) => h.actor.startsWith('sender:')).map((h) => [h.event, h.actor])).toEqual([['message.reply', `sender:${ALICE}`]]);
  });

  it('a follow-up fetched in the same batch as the complaint it follows joins the case that complaint opened', async () => {
    e = await startE2E();
    await e.append(rawMail({ from: `Alice <${ALICE}>`, subject: 'Complaint about my account', body: COMPLAINT }, 'first@customer.test', e.app.clock.now()));
    await e.append(rawMail({ from: `Alice <${ALICE}>`, subject: 'Re: Complaint about my account', body: FOLLOW_UP, inReplyTo: 'first@customer.test' }, 'second@customer.test', e.app.clock.now()));
    expect(await e.drain()).toMatchObject({ fetched: 2, stored: 2 });
    await e.runDue();

    expect(await caseCount()).toBe(1);
    const opened = await inbound('first@customer.test');
    expect(await inbound('second@customer.test')).toEqual({ kind: 'reply', reference: opened!.reference, reasons: ['thread: headers', 'reply'] });
    expect(sentTo(e, ALICE).map(kindOf)).toEqual(['ack']);
  });

  it("the customer's follow-up to their own follow-up still joins the case, and a confirmation that way closes it after the outcome (R11)", async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const c = await openCase(e, `Alice <${ALICE}>`);
    const first = await e.email({ from: ALICE, subject: 'Re: Complaint about my account', body: FOLLOW_UP, inReplyTo: c.complaintId });
    await staffSays(e, RITA, c.reference, '#outcome We refunded the second payment of £42.50 to your card today.');
    e.at('2026-09-02T09:00:00Z');
    await e.email({ from: ALICE, subject: 'Re: Complaint about my account', body: 'Yes, resolved. Thank you.', inReplyTo: first, references: [c.complaintId, first] });
    await e.runDue();

    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'closed', closure_reason: 'confirmed' });
    expect(sentTo(e, ALICE).map(kindOf)).toEqual(['ack', 'outcome', 'closure_confirmed']);
    expect(await caseCount()).toBe(1);
  });

  it("a stranger answering the customer's email is recorded on the case for staff and acts on nothing", async () => {
    e = await startE2E();
    const c = await openCase(e, `Alice <${ALICE}>`);
    const before = e.sink.messages.length;
    const stranger = await e.email({ from: 'mallory@evil.test', subject: 'Re: Complaint about my account', body: 'This is not resolved, escalate it to the Director.', inReplyTo: c.complaintId });
    await e.runDue();

    expect(await caseCount()).toBe(1);
    expect(await inbound(stranger)).toEqual({ kind: 'other', reference: c.reference, reasons: ['thread-sender-not-on-case'] });
    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'new', owner_role: 'rep', director_escalated_at: null });
    expect(e.sink.messages.slice(before)).toHaveLength(0);
  });

  it('a follow-up whose sender authentication failed is kept on the case and may not act: "not resolved" escalates nothing', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const c = await openCase(e, `Alice <${ALICE}>`);
    await staffSays(e, RITA, c.reference, '#outcome We refunded the second payment.');
    const before = e.sink.messages.length;
    const forged = await e.email({ from: ALICE, subject: 'Re: Complaint about my account', body: 'This is not resolved at all.', inReplyTo: c.complaintId, trace: [dmarcFail] });
    await e.runDue();

    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'awaiting_confirmation', owner_role: 'rep', director_escalated_at: null });
    expect((await inbound(forged))!.kind).toBe('other');
    expect((await historyEvents(e, c.reference)).filter((h) => h.event === 'customer_action.refused').map((h) => h.data)).toEqual([
      { kind: 'not_resolved', from: ALICE, reason: 'sender authentication failed (dmarc=fail for example.com)' },
    ]);
    expect(e.sink.messages.slice(before).map((m) => [kindOf(m), m.envelope.to])).toEqual([['staff_alert', [RITA]]]);
  });

  it("a follow-up that answers only a staff member's command on the case (mail the customer never had) may not act", async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const c = await openCase(e, `Alice <${ALICE}>`);
    const command = await staffSays(e, RITA, c.reference, '#outcome We refunded the second payment.');
    await e.email({ from: ALICE, subject: 'Re: case', body: 'Yes, resolved. Thanks!', inReplyTo: command });
    await e.runDue();

    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'awaiting_confirmation', closed_at: null });
    expect((await historyEvents(e, c.reference)).filter((h) => h.event === 'customer_action.refused').map((h) => h.data)).toEqual([
      { kind: 'confirmation', from: ALICE, reason: 'it answers a message that only staff received' },
    ]);
  });

  it("attack: a Message-ID reused by a stranger pulls neither the customer's follow-up onto the stranger's case nor the stranger's onto hers", async () => {
    e = await startE2E();
    const reused = 'complaint-1@customer.example';
    await e.deliver(rawMail({ from: 'mallory@evil.test', subject: 'My own complaint', body: 'My line is dead and has been for a week, please send an engineer to fix it.' }, reused, e.app.clock.now()));
    e.at('2026-09-01T10:05:00Z');
    await e.deliver(rawMail({ from: `Alice <${ALICE}>`, subject: 'Complaint about my account', body: COMPLAINT }, reused, e.app.clock.now()));
    await e.runDue();
    const cases = await e.db.sql<{ reference: string; email: string }[]>`select c.reference, cu.email from cases c join customers cu on cu.id = c.customer_id order by c.id`;
    expect(cases.map((r) => r.email)).toEqual(['mallory@evil.test', ALICE]);
    const [mallorys, alices] = cases.map((r) => r.reference);

    e.at('2026-09-01T10:30:00Z');
    const fromAlice = await e.email({ from: ALICE, subject: 'Re: Complaint about my account', body: FOLLOW_UP, inReplyTo: reused });
    const fromMallory = await e.email({ from: 'mallory@evil.test', subject: 'Re: Complaint about my account', body: 'Yes, resolved, please close it.', inReplyTo: reused });
    await e.runDue();

    expect(await inbound(fromAlice)).toEqual({ kind: 'reply', reference: alices, reasons: ['thread: headers', 'reply'] });
    expect(await inbound(fromMallory)).toMatchObject({ kind: 'confirmation', reference: mallorys });
    expect(await caseRow(e, alices!)).toMatchObject({ status: 'new', closed_at: null });
    expect(await caseCount()).toBe(2);
  });

  it('the customer writing again with the reference but neither token nor thread opens nothing and acts on nothing, as before', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const c = await openCase(e, `Alice <${ALICE}>`);
    await staffSays(e, RITA, c.reference, '#outcome We refunded the second payment.');
    const again = await e.email({ from: ALICE, subject: `About ${c.reference}`, body: `Case ${c.reference} is not resolved, the refund never arrived.` });
    await e.runDue();

    expect(await caseCount()).toBe(1);
    expect(await inbound(again)).toEqual({ kind: 'other', reference: c.reference, reasons: ['names-reference-without-token'] });
    expect(await caseRow(e, c.reference)).toMatchObject({ status: 'awaiting_confirmation', director_escalated_at: null });
  });
});
