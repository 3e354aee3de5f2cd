import { afterEach, describe, expect, it } from 'vitest';
import { caseDetail } from '../../src/cases/case-view.ts';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { header, messageIdOf, startE2E, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, kindOf, openCase, sentTo, staffSays } from '../helpers/e2e-cases.ts';

/**
 * What goes out, and to whom (R9, R10), and what must not (RFC 3834 loop protection, the
 * per-address cap), and what happens when the relay says no (4xx retried, 5xx dead-lettered).
 * Everything through the real mailbox and SMTP sink; the clock starts Tuesday 1 September
 * 2026, 11:00 in London.
 */
describe('outbound mail, end to end', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const RITA = 'rita@telco.test';

  it('R9: a complaint on behalf of someone records both people; updates and the outcome go to the representative and the customer', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const { ack, reference, complaintId } = await openCase(
      e,
      'Tom Smith <tom@example.com>',
      'I am writing on behalf of my mother, Mrs Jane Smith, jane.smith@example.org. She was charged twice for her August bill and nobody has refunded the second payment despite two calls.',
    );
    const detail = await caseDetail(e.db.sql, reference);
    expect(detail?.customer).toMatchObject({ email: 'jane.smith@example.org', name: 'Mrs Jane Smith' });
    expect(detail?.representative).toMatchObject({ email: 'tom@example.com' });
    expect(detail?.flags).toContain('third_party');
    expect(ack.envelope.to).toEqual(['tom@example.com']); // RFC 3834: the automatic answer goes to the sender only

    e.at('2026-09-08T10:00:00Z'); // R3 progress update, 5 business days on
    await e.runDue();
    const [update] = e.sent('progress');
    expect(update!.envelope.to.sort()).toEqual(['jane.smith@example.org', 'tom@example.com']);
    expect(update!.parsed.subject).toContain(reference);

    e.at('2026-09-09T09:00:00Z');
    await staffSays(e, RITA, reference, '#outcome We refunded the second payment of £42.50 to Mrs Smith.');
    const [outcome] = e.sent('outcome');
    expect(outcome!.envelope.to.sort()).toEqual(['jane.smith@example.org', 'tom@example.com']);
    expect(outcome!.parsed.to).toBeDefined();
    expect([outcome!.parsed.to].flat().flatMap((a) => a!.value.map((v) => v.address)).sort()).toEqual(['jane.smith@example.org', 'tom@example.com']);
    expect(outcome!.parsed.text).toContain('refunded the second payment');
    expect(header(outcome!, 'in-reply-to')).toBe(`<${complaintId}>`);
    expect(header(outcome!, 'references')).toContain(messageIdOf(ack));
  });

  it('R10: a customer who asked for letters by post gets the outcome by email, and staff get a task with the printable letter attached', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const { reference } = await openCase(
      e,
      'Alice <alice@example.com>',
      'I was charged twice for my August bill and nobody has refunded the second payment. Please send me your reply by post as I rarely read email.',
    );
    expect((await caseDetail(e.db.sql, reference))?.customer).toMatchObject({ preferred_format: 'post' });
    // Regression: the letter went in as 'text/html; charset=utf-8', which composeMessage refuses, so the
    // whole #outcome rolled back and the customer got nothing.
    await staffSays(e, RITA, reference, '#outcome We refunded the second payment of £42.50.');

    const [outcome] = e.sent('outcome');
    expect(outcome!.envelope.to).toEqual(['alice@example.com']);
    const task = sentTo(e, RITA, 'staff_alert').find((m) => m.parsed.subject?.includes('Print and post'));
    expect(task!.parsed.subject).toContain('outcome letter (R10)');
    expect(task!.envelope.to).toEqual([RITA]);
    expect(task!.parsed.text).toContain(reference);
    const letter = task!.parsed.attachments.find((a) => a.contentType === 'text/html');
    expect(letter!.filename).toBe(`${reference}-outcome.html`);
    const html = letter!.content.toString('utf8');
    expect(html).toContain('refunded the second payment of £42.50');
    expect(html).toContain(reference);
    expect(sentTo(e, 'alice@example.com', 'staff_alert')).toHaveLength(0);
  });

  it('R10: a customer whose preferred format is HTML gets an HTML part; a default customer gets plain text only', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    const html = await openCase(e, 'Alice <alice@example.com>', 'I was charged twice for my August bill and nobody has refunded me. Please reply in HTML format, my screen reader handles it better.');
    const plain = await openCase(e, 'Bob <bob@example.com>');
    expect((await caseDetail(e.db.sql, html.reference))?.customer).toMatchObject({ preferred_format: 'html' });
    expect(html.ack.parsed.html).toBeTruthy();
    expect(plain.ack.parsed.html).toBeFalsy();

    await staffSays(e, RITA, html.reference, '#outcome We refunded the second payment of £42.50.');
    await staffSays(e, RITA, plain.reference, '#outcome We refunded the second payment of £19.99.');
    const outcomeTo = (address: string) => sentTo(e, address, 'outcome')[0]!;
    expect(outcomeTo('alice@example.com').parsed.html).toContain('refunded the second payment of £42.50');
    expect(outcomeTo('alice@example.com').parsed.text).toContain('refunded the second payment of £42.50');
    expect(outcomeTo('bob@example.com').parsed.html).toBeFalsy();
    expect(outcomeTo('bob@example.com').parsed.text).toContain('refunded the second payment of £19.99');
  });

  it('RFC 3834: no address gets more automatic messages a day than AUTO_REPLY_DAILY_CAP; the rest are suppressed and recorded', async () => {
    e = await startE2E({ AUTO_REPLY_DAILY_CAP: '2' });
    await addStaff(e.db.sql, RITA, 'rep');
    const first = await openCase(e, 'Alice <alice@example.com>');
    e.at('2026-09-01T11:00:00Z');
    await openCase(e, 'Alice <alice@example.com>', 'My broadband bill for August also shows a charge for a router I returned in July. Please remove it.');
    e.at('2026-09-01T12:00:00Z');
    await e.email({ from: 'Alice <alice@example.com>', subject: 'And another thing', body: 'The engineer visit on 20 August was charged although nobody came. Please refund the visit charge.' });
    await e.runDue();

    expect(sentTo(e, 'alice@example.com', 'ack')).toHaveLength(2);
    const [third] = await e.db.sql`select c.reference from cases c order by c.id desc limit 1`;
    const [suppressed] = await e.db.sql`select o.kind, o.status, o.to_addresses from outbound_messages o join cases c on c.id = o.case_id where c.reference = ${third!.reference}`;
    expect(suppressed).toMatchObject({ kind: 'ack', status: 'suppressed', to_addresses: ['alice@example.com'] });
    const event = (await historyEvents(e, third!.reference)).find((h) => h.event === 'send.suppressed');
    expect(event).toMatchObject({ data: { kind: 'ack', to: ['alice@example.com'] } });
    expect(String(event!.data.reason)).toContain('cap of 2');

    // The cap is on automatic messages: a member of staff writing to the customer still gets through.
    await staffSays(e, RITA, first.reference, '#reply We are looking at all three charges together.');
    const [reply] = sentTo(e, 'alice@example.com', 'reply');
    expect(header(reply!, 'auto-submitted')).toBeUndefined();

    // A week later the allowance is back, and the cap holds again: three updates fall due, two go out.
    e.at('2026-09-08T12:30:00Z');
    await e.runDue();
    expect(sentTo(e, 'alice@example.com', 'progress')).toHaveLength(2);
    const [n] = await e.db.sql`select count(*)::int as n from outbound_messages where kind = 'progress' and status = 'suppressed'`;
    expect(n!.n).toBe(1);
  });

  it('loop protection: mail from our own address and mailing-list mail open no case and send nothing', async () => {
    e = await startE2E();
    await addStaff(e.db.sql, RITA, 'rep');
    await e.runDue(); // today's digest first, so that anything sent below is a reaction
    const before = e.sink.messages.length;
    await e.email({ from: 'Redress Telecom <complaints@redress.test>', subject: 'Your complaint', body: 'My broadband has been cut off since Monday and nobody has come to fix the line. Please restore it.' });
    await e.email({ from: 'complaints+abcdefghijklmnop@redress.test', subject: 'Re: your complaint', body: 'I was charged twice for my August bill and nobody has refunded the second payment.' });
    await e.email({
      from: 'Telecom Users <announce@lists.example.net>',
      subject: 'Weekly digest: broadband outages',
      body: 'Members report that the broadband has been down for a week and the provider will not refund anyone.',
      headers: { 'List-Id': 'Telecom users <telecom-users.lists.example.net>', 'List-Unsubscribe': '<mailto:leave@lists.example.net>' },
    });
    await e.runDue();
    const [cases] = await e.db.sql`select count(*)::int as n from cases`;
    expect(cases!.n).toBe(0);
    expect(e.sink.messages.slice(before)).toHaveLength(0);
    const [out] = await e.db.sql`select count(*)::int as n from outbound_messages where kind <> 'staff_digest'`;
    expect(out!.n).toBe(0);
    const kinds = await e.db.sql`select kind, classification -> 'reasons' as reasons from inbound_messages order by id`;
    expect(kinds.map((k) => k.kind)).toEqual(['other', 'other', 'auto_reply']);
    expect(kinds[0]!.reasons).toContain('own-address');
    expect(kinds[2]!.reasons).toContain('mailing-list: list-id');
  });

  it('a 451 from the relay keeps the message queued and retries it later with the same Message-ID: nothing is lost', async () => {
    let refusing = true;
    e = await startE2E({}, undefined, { reject: (rcpt) => (refusing && rcpt === 'slow@example.com' ? { code: 451, message: '4.7.1 Try again later' } : undefined) });
    await addStaff(e.db.sql, RITA, 'rep');
    const complaintId = await e.email({ from: 'Sam <slow@example.com>', subject: 'Double charge', body: 'I was charged twice for my August bill and nobody has refunded the second payment. Please refund it.' });
    const first = await e.runDue();
    expect(first.retrying).toBe(1);
    const [ack] = await e.db.sql`select id, status, attempts, last_error, message_id, job_id from outbound_messages where kind = 'ack'`;
    expect(ack).toMatchObject({ status: 'queued', attempts: 1 });
    expect(ack!.last_error).toContain('451');
    const [job] = await e.db.sql`select state, start_after > now() as later from pgboss.job where id = ${ack!.job_id}::uuid`;
    expect(job).toMatchObject({ state: 'retry', later: true }); // pg-boss holds it back for the retry delay
    expect(sentTo(e, 'slow@example.com')).toHaveLength(0);
    const [dead] = await e.db.sql`select count(*)::int as n from dead_letters`;
    expect(dead!.n).toBe(0);
    expect(e.sent('staff_alert').filter((m) => /could not be sent/.test(m.parsed.subject ?? ''))).toHaveLength(0);

    await e.runDue(); // too early for the retry: nothing changes
    expect((await e.db.sql`select attempts from outbound_messages where id = ${ack!.id}`)[0]).toMatchObject({ attempts: 1 });

    // The retry delay passes (pg-boss keeps time in the database) and the relay accepts again.
    refusing = false;
    await e.db.sql`update pgboss.job set start_after = now() - interval '1 second' where id = ${ack!.job_id}::uuid`;
    const second = await e.runDue();
    expect(second.sent).toBeGreaterThanOrEqual(1);
    const [delivered] = sentTo(e, 'slow@example.com', 'ack');
    expect(messageIdOf(delivered!)).toBe(ack!.message_id);
    expect(header(delivered!, 'in-reply-to')).toBe(`<${complaintId}>`);
    expect((await e.db.sql`select status, attempts from outbound_messages where id = ${ack!.id}`)[0]).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('a 550 from the relay makes a dead letter: the case history says outbound.failed and staff are alerted', async () => {
    e = await startE2E({}, undefined, { reject: (rcpt) => (rcpt === 'gone@example.com' ? { code: 550, message: '5.1.1 No such user' } : undefined) });
    await addStaff(e.db.sql, RITA, 'rep');
    await e.email({ from: 'Gone <gone@example.com>', subject: 'Double charge', body: 'I was charged twice for my August bill and nobody has refunded the second payment. Please refund it.' });
    const stats = await e.runDue();
    expect(stats.failed).toBe(1);
    const [kase] = await e.db.sql`select reference from cases`;
    const reference = kase!.reference as string;

    const [ack] = await e.db.sql`select id, status, last_error from outbound_messages where kind = 'ack'`;
    expect(ack!.status).toBe('failed');
    expect(ack!.last_error).toContain('550');
    const [dead] = await e.db.sql`select outbound_message_id, error from dead_letters`;
    expect(dead!.outbound_message_id).toBe(ack!.id);
    expect(dead!.error).toContain('550');
    const failed = (await historyEvents(e, reference)).find((h) => h.event === 'outbound.failed');
    expect(failed).toMatchObject({ data: { kind: 'ack' } });

    const alert = sentTo(e, RITA, 'staff_alert').find((m) => /could not be sent/.test(m.parsed.subject ?? ''));
    expect(alert!.envelope.to).toEqual([RITA]);
    expect(alert!.parsed.text).toContain(reference);
    expect(alert!.parsed.text).toContain('550');
    expect(sentTo(e, 'gone@example.com')).toHaveLength(0);
    expect(e.sink.messages.every((m) => kindOf(m) !== 'ack')).toBe(true);

    // The next digest lists it under bounced or failed messages.
    e.at('2026-09-02T07:30:00Z');
    await e.runDue();
    expect(e.sent('staff_digest').at(-1)!.parsed.text).toMatch(new RegExp(`Bounced or failed messages\\s+${reference}: our message did not arrive`));
    expect(await caseRow(e, reference)).toMatchObject({ acknowledged_at: null });
  });
});
