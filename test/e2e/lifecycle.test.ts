import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { header, messageIdOf, startE2E, type E2E } from '../helpers/e2e.ts';
import { openCase } from '../helpers/e2e-cases.ts';

/**
 * The product driven by email only: complaints and replies go into a real Dovecot
 * mailbox, `run-due` runs with a pinned clock, and assertions are on what the SMTP sink
 * received. The clock starts on Tuesday 1 September 2026, 11:00 in London.
 */
describe('end to end, by email only', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const COMPLAINT = 'My broadband has been cut off since Monday. I have called twice and nobody has come to fix the line. Please restore the service and refund me.';
  const open = (from = 'alice@example.com', body = COMPLAINT) => openCase(e, `Alice <${from}>`, body, 'Broadband cut off');
  const staff = (email: string, role: 'rep' | 'supervisor' | 'engineering' | 'director') => addStaff(e.db.sql, email, role);

  it('R1: a complaint in -> an acknowledgement out, threaded, automatic, with the reference', async () => {
    e = await startE2E();
    const { complaintId, ack, reference, token } = await open();
    expect(ack.envelope.to).toEqual(['alice@example.com']);
    expect(ack.parsed.subject).toContain(`[${reference}]`);
    expect(header(ack, 'in-reply-to')).toBe(`<${complaintId}>`);
    expect(header(ack, 'auto-submitted')).toBe('auto-replied');
    expect(ack.parsed.text).toContain(`${reference}/${token}`);
    expect(ack.parsed.replyTo?.text).toContain(`complaints+${token}@redress.test`);
    const [deadline] = await e.db.sql`select status from deadlines where kind = 'ack'`;
    expect(deadline!.status).toBe('met');
  });

  it('R2: a complaint with no usable facts gets an acknowledgement asking for them', async () => {
    e = await startE2E();
    const { ack } = await open('bob@example.com', 'Not happy.');
    expect(ack.parsed.text).toMatch(/what (the complaint|your complaint) is about|subject matter/i);
  });

  it('R3: five business days later the customer gets a progress update, then every five business days', async () => {
    e = await startE2E();
    const { reference } = await open();
    e.at('2026-09-08T09:59:00Z');
    await e.runDue();
    expect(e.sent('progress')).toHaveLength(0);
    e.at('2026-09-08T10:00:00Z'); // Tuesday 11:00 BST: 5 business days after Tuesday 11:00
    await e.runDue();
    const [update] = e.sent('progress');
    expect(update!.envelope.to).toEqual(['alice@example.com']);
    expect(update!.parsed.subject).toContain(reference);
    e.at('2026-09-15T10:00:00Z');
    await e.runDue();
    expect(e.sent('progress')).toHaveLength(2);
  });

  it('R10 then R12: a staff outcome by email goes to the customer, and silence closes the case after 5 business days', async () => {
    e = await startE2E();
    await staff('rita@telco.test', 'rep');
    const { reference } = await open();
    e.at('2026-09-02T09:00:00Z');
    await e.email({ from: 'rita@telco.test', subject: `Re: ${reference}`, body: '#outcome We found a fault at the exchange, fixed it, and refunded two weeks of line rental.' });
    await e.runDue();
    const [outcome] = e.sent('outcome');
    expect(outcome!.envelope.to).toEqual(['alice@example.com']);
    expect(outcome!.parsed.text).toContain('refunded two weeks of line rental');
    expect(header(outcome!, 'auto-submitted')).toBeUndefined();
    e.at('2026-09-09T08:59:00Z');
    await e.runDue();
    expect(e.sent('closure_no_response')).toHaveLength(0);
    e.at('2026-09-09T09:00:00Z');
    await e.runDue();
    const [closure] = e.sent('closure_no_response');
    expect(closure!.envelope.to).toEqual(['alice@example.com']);
    const [kase] = await e.db.sql`select status, closure_reason from cases where reference = ${reference}`;
    expect(kase).toMatchObject({ status: 'closed', closure_reason: 'no_response' });
  });

  it('R11: the customer confirming by email closes the case and gets the closure notice', async () => {
    e = await startE2E();
    await staff('rita@telco.test', 'rep');
    const { reference } = await open();
    await e.email({ from: 'rita@telco.test', subject: `Case ${reference}`, body: '#outcome The line is repaired and a credit applied.' });
    await e.runDue();
    const outcome = e.sent('outcome')[0]!;
    e.at('2026-09-03T10:00:00Z');
    await e.email({ from: 'alice@example.com', subject: `Re: ${outcome.parsed.subject}`, body: 'Yes, resolved, thank you. You can close it.', inReplyTo: messageIdOf(outcome) });
    await e.runDue();
    const [closure] = e.sent('closure_confirmed');
    expect(closure!.envelope.to).toEqual(['alice@example.com']);
    expect(header(closure!, 'in-reply-to')).toBeDefined();
    const [kase] = await e.db.sql`select status, closure_reason from cases where reference = ${reference}`;
    expect(kase).toMatchObject({ status: 'closed', closure_reason: 'confirmed' });
  });

  it('R13 and R7: "not resolved" reopens the case, tells the customer, and alerts the Director at once', async () => {
    e = await startE2E();
    await staff('rita@telco.test', 'rep');
    await staff('dee@telco.test', 'director');
    const { reference } = await open();
    await e.email({ from: 'rita@telco.test', subject: `Case ${reference}`, body: '#outcome We believe the line is now working.' });
    await e.runDue();
    const outcome = e.sent('outcome')[0]!;
    await e.email({ from: 'alice@example.com', subject: `Re: ${outcome.parsed.subject}`, body: 'No, this is not resolved. The line is still dead.', inReplyTo: messageIdOf(outcome) });
    await e.runDue();
    expect(e.sent('director_escalation')[0]!.envelope.to).toEqual(['alice@example.com']);
    const alerts = e.sent('staff_alert').filter((m) => m.envelope.to.includes('dee@telco.test'));
    expect(alerts.map((a) => a.parsed.subject).join()).toMatch(/Director/);
    const [kase] = await e.db.sql`select status, owner_role from cases where reference = ${reference}`;
    expect(kase).toMatchObject({ status: 'open', owner_role: 'director' });
    const [deadline] = await e.db.sql`select due_at from deadlines where kind = 'director' and status = 'pending'`;
    expect(deadline!.due_at.toISOString()).toBe('2026-09-06T10:00:00.000Z');
  });

  it('R14: a case still unresolved at 56 days gets the ADR notice; staff are warned 14 days before', async () => {
    e = await startE2E();
    await staff('rita@telco.test', 'rep');
    const { reference } = await open();
    e.at('2026-10-13T10:00:00Z');
    await e.runDue();
    expect(e.sent('staff_alert').some((m) => /8-week/.test(m.parsed.subject ?? ''))).toBe(true);
    e.at('2026-10-27T10:59:00Z');
    await e.runDue();
    expect(e.sent('adr_notice')).toHaveLength(0);
    e.at('2026-10-27T11:00:00Z'); // 56 days after 1 September 11:00 BST is 27 October 11:00 GMT
    await e.runDue();
    const [notice] = e.sent('adr_notice');
    expect(notice!.envelope.to).toEqual(['alice@example.com']);
    expect(notice!.parsed.text).toMatch(/Ombudsman/);
    expect(notice!.parsed.subject).toContain(reference);
  });

  it('R14/R16: a case flagged vexatious by staff gets no ADR notice', async () => {
    e = await startE2E();
    await staff('sue@telco.test', 'supervisor');
    const { reference } = await open();
    await e.email({ from: 'sue@telco.test', subject: `Case ${reference}`, body: '#flag vexatious' });
    e.at('2026-10-28T10:00:00Z');
    await e.runDue();
    expect(e.sent('adr_notice')).toHaveLength(0);
  });

  it('an auto-reply storm on the thread sends nothing back (RFC 3834)', async () => {
    e = await startE2E();
    const { ack } = await open();
    const before = e.sink.messages.length;
    for (let i = 0; i < 20; i += 1) {
      await e.email({ from: 'alice@example.com', subject: `Automatic reply: ${ack.parsed.subject}`, body: 'I am out of the office until Monday.', inReplyTo: messageIdOf(ack), headers: { 'Auto-Submitted': 'auto-replied' } });
    }
    await e.runDue();
    expect(e.sink.messages.slice(before).filter((m) => m.envelope.to.includes('alice@example.com'))).toHaveLength(0);
    const [n] = await e.db.sql`select count(*)::int as n from inbound_messages where kind = 'auto_reply'`;
    expect(n!.n).toBe(20);
  });

  it('a bounce of our acknowledgement is recorded on the case and alerted to staff', async () => {
    e = await startE2E();
    await staff('rita@telco.test', 'rep');
    const { ack, reference } = await open('gone@example.com');
    const dsn = [
      'This is a MIME-encapsulated message.',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'Your message could not be delivered to gone@example.com: user unknown.',
      '',
      '--B',
      'Content-Type: message/delivery-status',
      '',
      'Reporting-MTA: dns; mx.example.com',
      '',
      'Final-Recipient: rfc822; gone@example.com',
      'Action: failed',
      'Status: 5.1.1',
      'Diagnostic-Code: smtp; 550 5.1.1 user unknown',
      '',
      '--B',
      'Content-Type: text/rfc822-headers',
      '',
      `Message-ID: <${messageIdOf(ack)}>`,
      'From: complaints@redress.test',
      'To: gone@example.com',
      '',
      '--B--',
    ].join('\r\n');
    await e.email({
      from: 'MAILER-DAEMON@mx.example.com',
      subject: 'Undelivered Mail Returned to Sender',
      body: dsn,
      headers: { 'Return-Path': '<>', 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="B"' },
    });
    await e.runDue();
    const alert = e.sent('staff_alert').find((m) => /bounced/i.test(m.parsed.subject ?? ''));
    expect(alert!.envelope.to).toEqual(['rita@telco.test']);
    expect(alert!.parsed.subject).toContain(reference);
    const [out] = await e.db.sql`select status from outbound_messages where message_id = ${messageIdOf(ack)}`;
    expect(out!.status).toBe('bounced');
  });
});
