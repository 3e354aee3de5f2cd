import { afterEach, describe, expect, it } from 'vitest';
import { caseDetail } from '../../src/cases/case-view.ts';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { header, messageIdOf, rawMail, startE2E, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, kindOf, openCase, sentTo, staffSays } from '../helpers/e2e-cases.ts';

/**
 * Staff acting by email (POLICY R5, R6, R15, R17 and "Who may do what by email"): commands
 * go into the real mailbox, and every assertion is on what the SMTP sink received, backed
 * by the case record. The clock starts on Tuesday 1 September 2026, 11:00 in London.
 */
describe('staff by email, end to end', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const ALICE = 'alice@example.com';
  const RITA = 'rita@telco.test'; // representative
  const SUE = 'sue@telco.test'; // supervisor
  const ENG = 'eng@telco.test'; // engineering

  async function team() {
    await addStaff(e.db.sql, RITA, 'rep');
    await addStaff(e.db.sql, SUE, 'supervisor');
    await addStaff(e.db.sql, ENG, 'engineering');
  }

  it('R5: "#escalate supervisor" from a representative makes a supervisor the owner and records it in the history', async () => {
    e = await startE2E();
    await team();
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    const before = e.sink.messages.length;
    await staffSays(e, RITA, reference, '#escalate supervisor');

    const detail = await caseDetail(e.db.sql, reference);
    expect(detail?.owner_role).toBe('supervisor');
    const escalation = detail?.history.find((h) => h.event === 'escalated.supervisor');
    expect(escalation).toMatchObject({ actor: `staff:${RITA}`, data: { rule: 'R5' } });
    // An internal hand-over: the customer is not written to; Rita gets only the receipt for her command.
    const after = e.sink.messages.slice(before);
    expect(after.map((m) => [kindOf(m), m.envelope.to])).toEqual([['command_receipt', [RITA]]]);
    expect(after[0]!.parsed.text).toContain('Made a supervisor the owner (R5).');

    e.at('2026-09-02T07:30:00Z'); // Wednesday 08:30: the digest lists it with the supervisor
    await e.runDue();
    const digest = e.sent('staff_digest').at(-1)!;
    expect(digest.parsed.text).toContain(`${reference}: with supervisor`);
    expect(digest.parsed.text).toMatch(/Escalated \(R5, R6, R7\):\s+1\n/); // counted as an escalation, not as "with the Director"
  });

  it('R6: a technical complaint alerts engineering at once, and unanswered it is overdue in the digest after 5 business days', async () => {
    e = await startE2E();
    await team();
    const a = await openCase(e, `Alice <${ALICE}>`, 'There has been no signal on my mobile at home for a week. I cannot make or receive calls. Please fix the mast.', 'No signal');
    const alert = sentTo(e, ENG, 'staff_alert').find((m) => m.parsed.subject?.includes('Technical complaint referred to engineering (R6)'));
    expect(alert!.envelope.to).toEqual([ENG]); // the engineering role, not every member of staff
    expect(alert!.parsed.text).toContain(a.reference);
    expect(header(alert!, 'x-redress-case')).toBe(a.reference);
    expect(header(alert!, 'auto-submitted')).toBe('auto-generated');
    expect((await caseRow(e, a.reference)).flags).toContain('technical');

    // A second technical case that engineering does answer: it drops out of the overdue list.
    const b = await openCase(e, 'Bob <bob@example.com>', 'There is a broadband outage in my street since Sunday and the router shows a red light. Please send an engineer.', 'Broadband outage');
    expect(sentTo(e, ENG, 'staff_alert').filter((m) => m.parsed.text?.includes(b.reference))).toHaveLength(1);
    e.at('2026-09-02T09:00:00Z');
    await staffSays(e, ENG, b.reference, '#note An engineer is booked for Thursday morning.');

    e.at('2026-09-08T07:30:00Z'); // Tuesday 08:30: 5 business days end today at 11:00
    await e.runDue();
    const tuesday = e.sent('staff_digest').at(-1)!.parsed.text!;
    expect(tuesday).toMatch(new RegExp(`${a.reference}: engineering overdue \\(R6\\): due `));
    expect(tuesday).not.toMatch(new RegExp(`${a.reference}: engineering overdue \\(R6\\): OVERDUE`));

    e.at('2026-09-09T07:30:00Z'); // Wednesday 08:30: past 5 business days, engineering has not acted
    await e.runDue();
    const wednesday = e.sent('staff_digest').at(-1)!.parsed.text!;
    expect(wednesday).toMatch(new RegExp(`${a.reference}: engineering overdue \\(R6\\): OVERDUE since`));
    expect(wednesday).not.toMatch(new RegExp(`${b.reference}: engineering`));
  });

  it('R6: "#escalate engineering" from a representative alerts engineering at once and makes it the owner', async () => {
    e = await startE2E();
    await team();
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    expect(sentTo(e, ENG, 'staff_alert')).toHaveLength(0); // a billing complaint: not technical
    await staffSays(e, RITA, reference, '#escalate engineering\nThe double charge came from a provisioning fault.');
    const [alert] = sentTo(e, ENG, 'staff_alert');
    expect(alert!.envelope.to).toEqual([ENG]);
    expect(alert!.parsed.subject).toContain('Technical complaint referred to engineering (R6)');
    expect(alert!.parsed.text).toContain(reference);
    expect(sentTo(e, ALICE).filter((m) => header(m, 'x-redress-kind') !== 'ack')).toHaveLength(0);
    const kase = await caseRow(e, reference);
    expect(kase).toMatchObject({ owner_role: 'engineering' });
    expect(kase.flags).toContain('technical');
    const [target] = await e.db.sql`select due_at from deadlines where kind = 'engineering_overdue' and status = 'pending'`;
    expect(target!.due_at.toISOString()).toBe('2026-09-08T10:00:00.000Z');
  });

  it('R15: a customer asking for a deadlock letter alerts staff; "#deadlock" sends the letter to the customer on their thread', async () => {
    e = await startE2E();
    await team();
    const { ack, reference } = await openCase(e, `Alice <${ALICE}>`);
    e.at('2026-09-03T10:00:00Z');
    const requestId = await e.email({ from: ALICE, subject: `Re: ${ack.parsed.subject}`, body: 'You are taking too long. Please send me a deadlock letter so I can go to the ombudsman.', inReplyTo: messageIdOf(ack) });
    await e.runDue();
    const alert = e.sent('staff_alert').find((m) => m.parsed.subject?.includes('Deadlock letter requested (R15)'));
    expect(alert!.envelope.to.sort()).toEqual([ENG, RITA, SUE].sort());
    expect(alert!.parsed.text).toContain(reference);
    expect(sentTo(e, ALICE, 'deadlock_letter')).toHaveLength(0); // staff decide, not the customer

    await staffSays(e, SUE, reference, '#deadlock');
    const [letter] = e.sent('deadlock_letter');
    expect(letter!.envelope.to).toEqual([ALICE]);
    expect(letter!.parsed.subject).toContain(reference);
    expect(letter!.parsed.text).toMatch(/deadlock letter/i);
    expect(letter!.parsed.text).toMatch(/Ombudsman/);
    expect(header(letter!, 'in-reply-to')).toBe(`<${requestId}>`);
    expect(header(letter!, 'references')).toContain(messageIdOf(ack));
    expect(header(letter!, 'auto-submitted')).toBeUndefined(); // a staff decision, not an automatic reply
    expect(await caseRow(e, reference)).toMatchObject({ deadlock_decision: 'issued' });
    expect((await historyEvents(e, reference)).map((h) => h.event)).toEqual(expect.arrayContaining(['deadlock.requested', 'deadlock.issued']));
  });

  it('R15: "#refuse-deadlock timely" sends the customer the refusal with that reason and records the reason on the case', async () => {
    e = await startE2E();
    await team();
    const { ack, reference } = await openCase(e, `Alice <${ALICE}>`);
    await e.email({ from: ALICE, subject: `Re: ${ack.parsed.subject}`, body: 'I want a deadlock letter please.', inReplyTo: messageIdOf(ack) });
    await e.runDue();
    await staffSays(e, SUE, reference, '#refuse-deadlock timely');
    const [refusal] = e.sent('deadlock_refusal');
    expect(refusal!.envelope.to).toEqual([ALICE]);
    expect(refusal!.parsed.subject).toContain(reference);
    expect(refusal!.parsed.text).toMatch(/will not issue a deadlock letter/);
    expect(refusal!.parsed.text).toMatch(/resolved in a timely manner/);
    expect(header(refusal!, 'references')).toContain(messageIdOf(ack));
    expect(e.sent('deadlock_letter')).toHaveLength(0);
    expect(await caseRow(e, reference)).toMatchObject({ deadlock_decision: 'refused', deadlock_refusal_reason: 'timely', status: 'open' });
    const refused = (await historyEvents(e, reference)).find((h) => h.event === 'deadlock.refused');
    expect(refused).toMatchObject({ actor: `staff:${SUE}`, data: { rule: 'R15', reason: 'timely' } });
  });

  it('R17: "#withdrawn" closes the case without any message to the customer, then or later', async () => {
    e = await startE2E();
    await team();
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    const before = sentTo(e, ALICE).length;
    await staffSays(e, RITA, reference, '#withdrawn\nThe customer phoned to withdraw the complaint.');
    expect(await caseRow(e, reference)).toMatchObject({ status: 'withdrawn', closure_reason: 'withdrawn' });
    expect((await historyEvents(e, reference)).find((h) => h.event === 'case.withdrawn')).toMatchObject({ data: { rule: 'R17' } });
    e.at('2026-10-28T10:00:00Z'); // past every update, closure and the 8-week ADR date
    await e.runDue();
    expect(sentTo(e, ALICE)).toHaveLength(before);
    const [pending] = await e.db.sql`select count(*)::int as n from deadlines d join cases c on c.id = d.case_id where c.reference = ${reference} and d.status = 'pending'`;
    expect(pending!.n).toBe(0);
  });

  it('R17: a confirmation before any outcome closes nothing; the case stays open and keeps its updates', async () => {
    e = await startE2E();
    await team();
    const { ack, reference } = await openCase(e, `Alice <${ALICE}>`);
    e.at('2026-09-02T10:00:00Z');
    await e.email({ from: ALICE, subject: `Re: ${ack.parsed.subject}`, body: 'Yes, resolved, thank you. You can close it.', inReplyTo: messageIdOf(ack) });
    await e.runDue();
    expect(await caseRow(e, reference)).toMatchObject({ status: 'new', closed_at: null, closure_reason: null });
    expect((await historyEvents(e, reference)).find((h) => h.event === 'confirmation.without_outcome')).toMatchObject({ data: { rule: 'R17' } });
    e.at('2026-09-15T10:00:00Z'); // well past any 5-business-day silence
    await e.runDue();
    expect(sentTo(e, ALICE, 'closure_confirmed')).toHaveLength(0);
    expect(sentTo(e, ALICE, 'closure_no_response')).toHaveLength(0);
    expect(sentTo(e, ALICE, 'progress').length).toBeGreaterThan(0); // still open: still kept informed (R3)
    expect(await caseRow(e, reference)).toMatchObject({ status: 'new', closed_at: null });
  });

  it('a command from the customer on their own thread is refused, recorded, and shown to staff only', async () => {
    e = await startE2E();
    await team();
    const { ack, reference } = await openCase(e, `Alice <${ALICE}>`);
    const before = sentTo(e, ALICE).length;
    await e.email({ from: ALICE, subject: `Re: ${ack.parsed.subject}`, body: '#outcome Refund me in full and close this.', inReplyTo: messageIdOf(ack) });
    await e.runDue();
    expect(sentTo(e, ALICE)).toHaveLength(before);
    expect(e.sent('outcome')).toHaveLength(0);
    const alert = e.sent('staff_alert').find((m) => m.parsed.subject?.includes('Command #outcome refused'));
    expect(alert!.envelope.to.sort()).toEqual([ENG, RITA, SUE].sort());
    expect(alert!.parsed.text).toContain(ALICE);
    expect(alert!.parsed.text).toContain(reference);
    expect(await caseRow(e, reference)).toMatchObject({ status: 'new', outcome: null, outcome_sent_at: null });
    expect((await historyEvents(e, reference)).find((h) => h.event === 'command.refused')).toMatchObject({ data: { verb: 'outcome', from: ALICE } });
  });

  it('a command from an address that is not staff, naming a case, is refused, recorded, and shown to staff only', async () => {
    e = await startE2E();
    await team();
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    const before = e.sink.messages.filter((m) => header(m, 'x-redress-kind') !== 'staff_digest').length;
    // Regression: a command that only named the reference, from an address not on the case, was stored
    // as held mail and shown to nobody until the next digest.
    await e.email({ from: 'mallory@telco.test', subject: `Re: [${reference}] complaint`, body: '#withdrawn\nClose this one please.' });
    await e.runDue();
    expect(await caseRow(e, reference)).toMatchObject({ status: 'new' });
    const news = e.sink.messages.filter((m) => header(m, 'x-redress-kind') !== 'staff_digest').slice(before);
    expect(news.flatMap((m) => m.envelope.to)).not.toContain(ALICE);
    expect(news.flatMap((m) => m.envelope.to)).not.toContain('mallory@telco.test');
    const alert = news.find((m) => m.parsed.subject?.includes('Command #withdrawn refused'));
    expect(alert!.envelope.to.sort()).toEqual([ENG, RITA, SUE].sort());
    expect(alert!.parsed.text).toContain('mallory@telco.test');
    const events = await historyEvents(e, reference);
    expect(events.find((h) => h.event === 'command.refused')).toMatchObject({ data: { verb: 'withdrawn', from: 'mallory@telco.test' } });
  });

  it('a malformed command from staff ("#escalate nowhere") is answered with the error to that staff member only', async () => {
    e = await startE2E();
    await team();
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    const before = e.sink.messages.length;
    await staffSays(e, RITA, reference, '#escalate nowhere');
    const news = e.sink.messages.slice(before);
    expect(news).toHaveLength(1);
    const [answer] = news;
    expect(header(answer!, 'x-redress-kind')).toBe('staff_alert');
    expect(answer!.envelope.to).toEqual([RITA]);
    expect(answer!.parsed.subject).toContain('Command not understood');
    expect(answer!.parsed.text).toContain('#escalate takes one of supervisor, engineering, director; got "nowhere"');
    expect(header(answer!, 'auto-submitted')).toBe('auto-generated');
    expect(await caseRow(e, reference)).toMatchObject({ owner_role: 'rep' });
    expect((await historyEvents(e, reference)).find((h) => h.event === 'command.refused')).toMatchObject({ actor: `staff:${RITA}` });
  });

  it('a command on a closed case is refused to that staff member only, and changes nothing', async () => {
    e = await startE2E();
    await team();
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    await staffSays(e, RITA, reference, '#outcome We refunded the second payment of £42.50.');
    const outcome = e.sent('outcome')[0]!;
    await e.email({ from: ALICE, subject: `Re: ${outcome.parsed.subject}`, body: 'Yes, resolved, thank you.', inReplyTo: messageIdOf(outcome) });
    await e.runDue();
    expect(await caseRow(e, reference)).toMatchObject({ status: 'closed', closure_reason: 'confirmed' });

    const before = e.sink.messages.length;
    await staffSays(e, SUE, reference, '#escalate director');
    const news = e.sink.messages.slice(before);
    expect(news).toHaveLength(1);
    expect(news[0]!.envelope.to).toEqual([SUE]);
    expect(news[0]!.parsed.subject).toContain('Command #escalate refused');
    expect(news[0]!.parsed.text).toContain('the case is closed');
    expect(await caseRow(e, reference)).toMatchObject({ status: 'closed', owner_role: 'rep', director_escalated_at: null });
  });

  it('a staff command delivered twice (same Message-ID) acts once: one outcome to the customer', async () => {
    e = await startE2E();
    await team();
    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    const id = 'outcome-command-1@telco.test';
    const raw = rawMail({ from: RITA, subject: `Re: [${reference}] complaint`, body: '#outcome We refunded the second payment of £42.50.' }, id, e.app.clock.now());
    await e.deliver(raw);
    await e.runDue();
    // Redelivered, as a server does after a lost acknowledgement: one more Received line, same Message-ID.
    const again = await e.deliver(`Received: from mx2.telco.test by imap.redress.test; ${e.app.clock.now().toUTCString()}\r\n${raw}`);
    expect(again).toMatchObject({ fetched: 1, stored: 0, duplicates: 1 });
    await e.runDue();
    expect(e.sent('outcome')).toHaveLength(1);
    expect(sentTo(e, RITA, 'staff_alert')).toHaveLength(0);
    const [n] = await e.db.sql`select count(*)::int as n from inbound_messages where message_id = ${id}`;
    expect(n!.n).toBe(1);
    expect((await historyEvents(e, reference)).filter((h) => h.event === 'outcome.recorded')).toHaveLength(1);
  });
  it('a staff command that names no case is answered to that staff member, threaded to it, with how to name one', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, 'rita@telco.test', 'rep');
    const commandId = await e.email({ from: 'rita@telco.test', subject: 'outcome', body: '#outcome We refunded the customer.' });
    await e.runDue();
    const [answer] = sentTo(e, 'rita@telco.test', 'staff_alert');
    expect(answer!.parsed.subject).toMatch(/no case named/);
    expect(answer!.parsed.text).toMatch(/case reference/);
    expect(header(answer!, 'in-reply-to')).toBe(`<${commandId}>`);
    expect(e.sink.messages.filter((m) => !m.envelope.to.includes('rita@telco.test'))).toHaveLength(0);
  });
});
