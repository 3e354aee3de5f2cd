import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addStaff } from '../../src/staff/staff-repo.ts';
import { dmarcPass, header, startE2E, TEST_AUTHSERV_ID, type E2E } from '../helpers/e2e.ts';
import { caseRow, historyEvents, kindOf, openCase, redressAt, sentTo } from '../helpers/e2e-cases.ts';

/**
 * Issue 10 part 2: complaints taken by phone, in the member portal or by letter (`redress
 * case open`), and customer email a staff member forwards with `#open`, keep the same clocks
 * as email from the moment they were received. R1 is met by our acknowledgement email, or by
 * staff acknowledging by phone. The clock starts on Tuesday 1 September 2026, 11:00 in London.
 */
describe('every channel of the Code of Practice, end to end', () => {
  let e: E2E;
  afterEach(async () => {
    await e?.close();
  });

  const ALICE = 'alice@example.com';
  const RITA = 'rita@telco.test';
  const SAID = 'No dial tone on my landline since this morning. I work from home and cannot take calls from clients. Please send an engineer.';
  const redress = (args: string[]) => redressAt(e, args);
  const openByPhone = (...more: string[]) =>
    redress(['case', 'open', '--channel', 'phone', '--customer', ALICE, '--name', 'Alice Smith', '--received-at', '2026-09-04T16:55', '--subject', 'No dial tone', '--text', SAID, '--by', RITA, '--json', ...more]);
  const deadline = async (reference: string, kind: string) => {
    const [row] = await e.db.sql<{ due_at: Date; status: string }[]>`select d.due_at, d.status from deadlines d join cases c on c.id = d.case_id where c.reference = ${reference} and d.kind = ${kind}`;
    return row;
  };

  async function withRita(env: Record<string, string> = {}, sink = {}) {
    e = await startE2E(env, '2026-09-01T10:00:00Z', sink);
    await addStaff(e.db.sql, RITA, 'rep');
  }

  it('a phone complaint taken at 16:55 on a Friday is due for acknowledgement on Monday, and the acknowledgement email meets it', async () => {
    await withRita();
    e.at('2026-09-04T16:05:00Z'); // Friday 17:05 in London: Rita types it in after the call
    const opened = await openByPhone();
    expect(opened.code).toBe(0);
    const { reference, ...rest } = JSON.parse(opened.stdout);
    expect(rest).toEqual({ channel: 'phone', customer: ALICE, received_at: '2026-09-04T15:55:00.000Z', acknowledged_by: null, ack_due_at: '2026-09-07T15:55:00.000Z' });
    expect(await deadline(reference, 'ack')).toEqual({ due_at: new Date('2026-09-07T15:55:00Z'), status: 'pending' });

    await e.runDue();
    const [ack] = sentTo(e, ALICE, 'ack');
    expect(ack!.parsed.subject).toContain(reference);
    expect(ack!.parsed.text).toContain('We received the complaint on Friday 4 September 2026.');
    expect(await deadline(reference, 'ack')).toMatchObject({ status: 'met' });
    expect(await caseRow(e, reference)).toMatchObject({ channel: 'phone', status: 'new', received_at: new Date('2026-09-04T15:55:00Z'), subject: 'No dial tone', flags: ['technical'] });
    const [first] = await historyEvents(e, reference);
    expect(first).toMatchObject({ event: 'case.opened', actor: `staff:${RITA}`, data: { channel: 'phone', text: SAID, flags: ['technical'] } });
  });

  it('a phone complaint acknowledged on the call meets R1 with no acknowledgement email, and says so on the record', async () => {
    await withRita();
    e.at('2026-09-04T16:05:00Z');
    const { reference, acknowledged_by } = JSON.parse((await openByPhone('--acknowledged-by', 'phone')).stdout);
    expect(acknowledged_by).toBe('phone');
    await e.runDue();

    expect(sentTo(e, ALICE)).toEqual([]);
    expect(await deadline(reference, 'ack')).toMatchObject({ due_at: new Date('2026-09-07T15:55:00Z'), status: 'met' });
    const history = await historyEvents(e, reference);
    expect(history.filter((h) => h.event === 'acknowledged')).toEqual([{ event: 'acknowledged', actor: `staff:${RITA}`, data: { rule: 'R1', channel: 'phone' } }]);
    // Opening is not the review (R4): the case waits in the digest like any new one.
    expect(await caseRow(e, reference)).toMatchObject({ status: 'new', reviewed_at: null, acknowledged_at: new Date('2026-09-04T16:05:00Z') });
  });

  it('a portal ticket typed in from a file (--text-file) is acknowledged by phone later from the CLI ("case REF acknowledged phone"), which meets R1 once', async () => {
    await withRita();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'redress-open-'));
    try {
      const file = path.join(dir, 'ticket-5512.txt');
      await fs.writeFile(file, `\n${SAID}\n\n`);
      const opened = await redress(['case', 'open', '--channel', 'portal', '--customer', ALICE, '--subject', 'Ticket 5512', '--text-file', file, '--by', RITA, '--json']);
      expect(opened.code).toBe(0);
      const { reference } = JSON.parse(opened.stdout);
      const [first] = await historyEvents(e, reference);
      expect(first).toMatchObject({ event: 'case.opened', data: { channel: 'portal', text: SAID } });

      e.at('2026-09-01T10:30:00Z');
      const acknowledged = await redress(['case', reference, 'acknowledged', 'phone', '--by', RITA]);
      expect(acknowledged).toMatchObject({ code: 0, stdout: `${reference}: acknowledged\n` });
      expect(await deadline(reference, 'ack')).toMatchObject({ status: 'met' });
      expect((await historyEvents(e, reference)).filter((h) => h.event === 'acknowledged')).toEqual([{ event: 'acknowledged', actor: `staff:${RITA}`, data: { rule: 'R1', channel: 'phone' } }]);
      // The acknowledgement email queued at opening still goes; R1 stays met once.
      await e.runDue();
      expect(sentTo(e, ALICE).map((m) => kindOf(m))).toEqual(['ack']);
      expect((await historyEvents(e, reference)).filter((h) => h.event === 'acknowledged')).toHaveLength(1);

      const again = await redress(['case', reference, 'acknowledged', 'phone', '--by', RITA]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('the complaint was already acknowledged (2026-09-01T10:30:00.000Z); nothing to record');
      await fs.writeFile(file, '  \n');
      expect((await redress(['case', 'open', '--channel', 'portal', '--customer', ALICE, '--subject', 'Empty', '--text-file', file, '--by', RITA])).stderr).toBe(`redress: ${file} is empty\n`);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a letter and a portal ticket keep the clocks of their receipt: the 8-week ADR date runs from the letter, and the report counts each channel', async () => {
    await withRita();
    const fromLetter = await redress(['case', 'open', '--channel', 'letter', '--customer', 'bob@example.com', '--received-at', '2026-08-28T09:00:00+01:00', '--subject', 'Overcharged', '--text', 'I was billed for a router I returned in July, reference 77410.', '--by', RITA, '--json']);
    const bob = JSON.parse(fromLetter.stdout).reference;
    const portal = await redress(['case', 'open', '--channel', 'portal', '--customer', 'cara@example.com', '--subject', 'Ticket 5512: slow broadband', '--text', 'Broadband has been very slow every evening for two weeks.', '--by', RITA]);
    expect(portal.stdout).toMatch(/^CMP-2026-\d{6}: opened for cara@example\.com \(portal\), received Tuesday 1 September 2026 11:00; acknowledgement email queued \(R1 due Wednesday 2 September 2026 11:00\)\n$/);
    await openCase(e, 'Dan <dan@example.com>');

    expect(await deadline(bob, 'adr')).toMatchObject({ due_at: new Date('2026-10-23T08:00:00Z'), status: 'pending' }); // 56 days after 28 August
    expect(await deadline(bob, 'ack')).toMatchObject({ due_at: new Date('2026-09-01T08:00:00Z') }); // Friday + 1 business day, past the August bank holiday
    const report = JSON.parse((await redress(['report', '--from', '2026-08-01', '--to', '2026-09-30', '--format', 'json'])).stdout);
    expect(report.received).toEqual({ total: 3, by_channel: { email: 1, phone: 0, portal: 1, letter: 1 } });
  });

  it('case open refuses what it cannot take, saying what to give; "case REF" and its actions work as before', async () => {
    await withRita();
    const base = ['case', 'open', '--customer', ALICE, '--subject', 'No dial tone', '--text', SAID, '--by', RITA];
    expect(await redress([...base, '--channel', 'fax'])).toEqual({ code: 1, stdout: '', stderr: 'redress: --channel must be one of phone, portal, letter (a complaint by email opens its own case), got "fax"\n' });
    expect((await redress([...base, '--channel', 'phone', '--received-at', '2026-09-01T11:30'])).stderr).toBe('redress: --received-at 2026-09-01T11:30 is in the future\n');
    expect((await redress([...base, '--channel', 'phone', '--received-at', 'Friday'])).stderr).toBe(
      'redress: --received-at must be a time such as 2026-09-04T16:55 (business time zone) or 2026-09-04T15:55:00Z, got "Friday"\n',
    );
    expect((await redress([...base, '--channel', 'phone', '--acknowledged-by', 'email'])).stderr).toBe(
      'redress: --acknowledged-by must be one of phone (without it the acknowledgement goes by email), got "email"\n',
    );
    expect((await redress(['case', 'open', '--channel', 'phone', '--customer', 'alice', '--subject', 'x', '--text', 'y', '--by', RITA])).stderr).toBe('redress: --customer: "alice" is not a plain email address\n');
    expect(await redress(['case', 'open', '--channel', 'phone', '--customer', ALICE, '--subject', 'x', '--text', 'y', '--by', 'eve@evil.test'])).toMatchObject({ code: 1, stderr: expect.stringContaining('eve@evil.test is not an active staff member') });
    expect((await redress(['case', 'open', 'now', '--channel', 'phone'])).stderr).toBe('redress: case open takes options only (--channel, --customer, --subject, --text, --by ...), got "now"\n');
    expect(await e.db.sql`select count(*)::int as n from cases`).toEqual([{ n: 0 }]);

    const { reference } = await openCase(e, `Alice <${ALICE}>`);
    expect(JSON.parse((await redress(['case', reference, '--json'])).stdout)).toMatchObject({ reference, status: 'new' });
    expect((await redress(['case', reference, 'note', '--text', 'Called back', '--by', RITA])).stdout).toBe(`${reference}: note.added\n`);
  });

  it("a customer's email forwarded by staff as an attachment with #open opens a case for the customer, received when it reached staff, the original kept raw on it", async () => {
    await withRita();
    e.at('2026-09-07T08:30:00Z'); // Monday 09:30: Rita forwards what reached her on Friday at 16:55
    await e.deliver(attachedForward());
    await e.runDue();

    const [row] = await e.db.sql<{ reference: string; email: string; channel: string; received_at: Date; subject: string }[]>`
      select c.reference, cu.email, c.channel, c.received_at, c.subject from cases c join customers cu on cu.id = c.customer_id`;
    expect(row).toEqual({ reference: expect.stringMatching(/^CMP-2026-/), email: ALICE, channel: 'email', received_at: new Date('2026-09-04T15:55:20Z'), subject: 'My bill is wrong' });
    const reference = row!.reference;
    expect(await deadline(reference, 'ack')).toMatchObject({ due_at: new Date('2026-09-07T15:55:20Z'), status: 'met' });

    const [ack] = sentTo(e, ALICE, 'ack');
    expect(header(ack!, 'in-reply-to')).toBe('<original-1@example.com>');
    const stored = await e.db.sql<{ kind: string; message_id: string; raw: Buffer; received_at: Date; from_address: string }[]>`
      select i.kind, i.message_id, i.raw, i.received_at, i.from_address from inbound_messages i join cases c on c.id = i.case_id where c.reference = ${reference} order by i.id`;
    expect(stored.map((s) => [s.kind, s.message_id, s.from_address])).toEqual([
      ['staff', 'fwd-1@telco.test', RITA],
      ['complaint', 'original-1@example.com', ALICE],
    ]);
    expect(stored[1]!.raw.toString('utf8')).toBe(ORIGINAL);
    expect(stored[1]!.received_at).toEqual(new Date('2026-09-04T15:55:20Z'));

    const [receipt] = sentTo(e, RITA, 'command_receipt');
    expect(receipt!.parsed.subject).toBe(`Done: #open [${reference}]`);
    expect(receipt!.parsed.text).toContain('Opened the case for the complaint you forwarded, and sent the customer the acknowledgement (R1).');
    expect(receipt!.parsed.text).toContain('Customer: Alice Smith <alice@example.com>.');
    expect(receipt!.parsed.text).toContain('Received Friday 4 September 2026 16:55 (when it reached your mailbox, from its delivery stamp); the deadlines run from then.');
    expect((await historyEvents(e, reference)).map((h) => `${h.event} by ${h.actor}`).slice(0, 2)).toEqual([`case.opened by staff:${RITA}`, `message.staff by staff:${RITA}`]);

    // Alice follows up on her own email, which we only ever saw through Rita: it joins the case.
    await e.email({ from: ALICE, subject: 'Re: My bill is wrong', body: 'Any news? The second payment is still missing.', inReplyTo: 'original-1@example.com' });
    await e.runDue();
    expect(await e.db.sql`select count(*)::int as n from cases`).toEqual([{ n: 1 }]);
    expect(sentTo(e, ALICE).map(kindOf)).toEqual(['ack']);
  });

  it('an inline forward with "#open" and "#acknowledged phone" opens the case from the forwarded From and Date, with no acknowledgement email', async () => {
    await withRita();
    e.at('2026-09-07T08:30:00Z');
    await e.email({
      from: `Rita <${RITA}>`,
      subject: 'Fwd: My bill is wrong',
      body: [
        '#open',
        '#acknowledged phone',
        '',
        '---------- Forwarded message ---------',
        'From: Alice Smith <alice@example.com>',
        'Date: Fri, Sep 4, 2026 at 4:55 PM',
        'Subject: My bill is wrong',
        'To: Rita <rita@telco.test>',
        '',
        '',
        'I was charged twice for my August bill and nobody has refunded the second payment of 42.50.',
      ].join('\r\n'),
    });
    await e.runDue();

    const [kase] = await e.db.sql<{ reference: string; received_at: Date; subject: string }[]>`select reference, received_at, subject from cases`;
    expect(kase).toMatchObject({ received_at: new Date('2026-09-04T15:55:00Z'), subject: 'My bill is wrong' });
    expect(sentTo(e, ALICE)).toEqual([]);
    expect(await deadline(kase!.reference, 'ack')).toMatchObject({ due_at: new Date('2026-09-07T15:55:00Z'), status: 'met' });
    const history = await historyEvents(e, kase!.reference);
    expect(history.find((h) => h.event === 'case.opened')!.data).toMatchObject({ channel: 'email', forwarded: 'inline', received_from: 'forwarded-date' });
    expect(history.filter((h) => h.event === 'acknowledged')).toEqual([{ event: 'acknowledged', actor: `staff:${RITA}`, data: { rule: 'R1', channel: 'phone' } }]);
    const [receipt] = sentTo(e, RITA, 'command_receipt');
    expect(receipt!.parsed.text).toContain('Opened the case for the complaint you forwarded, and recorded that you acknowledged it by phone (R1): no acknowledgement email was sent.');
  });

  it('an "#open" that does not parse, forwards nothing, or forwards staff mail opens nothing and stores nothing beside it; the staff member is told why', async () => {
    await withRita();
    await e.deliver(attachedForward('#open please'));
    await e.email({ from: RITA, subject: 'Alice called', body: '#open\r\nAlice called about her bill, please open a case.' });
    await e.deliver(attachedForward('#open', ORIGINAL.replace('From: Alice Smith <alice@example.com>', `From: Rita <${RITA}>`).replace('original-1@', 'note-1@'), 'fwd-2@telco.test'));
    await e.runDue();

    expect(await e.db.sql`select count(*)::int as n from cases`).toEqual([{ n: 0 }]);
    expect(await e.db.sql`select kind from inbound_messages order by id`).toEqual([{ kind: 'staff' }, { kind: 'staff' }, { kind: 'staff' }]);
    expect(sentTo(e, RITA, 'staff_alert').map((m) => [m.parsed.subject, m.parsed.text?.match(/#open takes nothing after it[^\n]*|No forwarded email[^\n]*|The forwarded message is from[^\n]*/)?.[0]]).sort()).toEqual([
      ['Command #open not carried out', '#open takes nothing after it but #acknowledged phone; got "please"'],
      ['Command #open not carried out', 'No forwarded email with a sender address was found in your message.'],
      ['Command #open not carried out', `The forwarded message is from ${RITA}, a staff address: a case is opened for the customer who complained.`],
    ]);
  });

  it('attack: "#open" from a staff address that failed sender authentication opens nothing, and staff hear of it', async () => {
    await withRita();
    const dmarcFail = `Authentication-Results: ${TEST_AUTHSERV_ID}; spf=fail smtp.mailfrom=telco.test; dmarc=fail (p=reject) header.from=telco.test`;
    await e.email({ from: RITA, subject: 'Fwd: hello', body: '#open\r\n\r\n---------- Forwarded message ---------\r\nFrom: Victim <victim@example.com>\r\nSubject: x\r\n\r\nSpam the victim with our acknowledgement.', trace: [dmarcFail] });
    await e.runDue();
    expect(await e.db.sql`select count(*)::int as n from cases`).toEqual([{ n: 0 }]);
    expect(sentTo(e, 'victim@example.com')).toEqual([]);
    expect(sentTo(e, RITA, 'staff_alert').map((m) => m.parsed.subject)).toEqual(['Command refused: sender authentication failed']);
  });

  it('"#open" on an email the customer also sent us opens no second case: the staff member is told which case has it', async () => {
    await withRita();
    await e.deliver(ORIGINAL);
    await e.runDue();
    const [first] = await e.db.sql<{ reference: string }[]>`select reference from cases`;
    e.at('2026-09-07T08:30:00Z');
    await e.deliver(attachedForward());
    await e.runDue();

    expect(await e.db.sql`select count(*)::int as n from cases`).toEqual([{ n: 1 }]);
    expect(sentTo(e, ALICE).map(kindOf)).toEqual(['ack']);
    const [notice] = sentTo(e, RITA, 'staff_alert');
    expect(notice!.parsed.subject).toBe('Command #open not carried out');
    expect(notice!.parsed.text).toContain(`The message you forwarded is already on ${first!.reference}: the customer sent it to us too.`);
    expect((await historyEvents(e, first!.reference)).map((h) => h.event)).toContain('message.staff');
  });

  it('an acknowledgement email that bounced for good is made good by "#acknowledged phone", which meets R1 once and earns a receipt', async () => {
    await withRita({}, { reject: (rcpt: string) => (rcpt === ALICE ? { code: 550, message: 'no such user' } : undefined) });
    await e.email({ from: `Alice <${ALICE}>`, subject: 'Complaint about my account', body: SAID });
    await e.runDue();
    const [{ reference }] = await e.db.sql<[{ reference: string }]>`select reference from cases`;
    expect(await deadline(reference, 'ack')).toMatchObject({ status: 'pending' });

    e.at('2026-09-01T14:00:00Z');
    await e.email({ from: RITA, subject: `Re: [${reference}]`, body: '#acknowledged phone\r\nCalled her at 14:50; the address she gave bounces.' });
    await e.runDue();
    expect(await deadline(reference, 'ack')).toMatchObject({ status: 'met' });
    expect(sentTo(e, RITA, 'command_receipt').map((m) => m.parsed.text?.includes('Recorded that you acknowledged the complaint by phone (R1).'))).toEqual([true]);

    await e.email({ from: RITA, subject: `Re: [${reference}]`, body: '#acknowledged phone' });
    await e.runDue();
    const refused = sentTo(e, RITA, 'staff_alert').find((m) => m.parsed.subject?.startsWith('Command #acknowledged refused'));
    expect(refused!.parsed.text).toContain('the complaint was already acknowledged (2026-09-01T14:00:00.000Z); nothing to record');
  });
});

const ORIGINAL = [
  'Received: from mx.example.com by mail.telco.test; Fri, 04 Sep 2026 16:55:20 +0100',
  'From: Alice Smith <alice@example.com>',
  'To: rita@telco.test',
  'Subject: My bill is wrong',
  'Date: Fri, 04 Sep 2026 16:54:02 +0100',
  'Message-ID: <original-1@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'I was charged twice for my August bill and nobody has refunded the second payment of 42.50. Please refund it.',
  '',
].join('\r\n');

function attachedForward(command = '#open', original = ORIGINAL, messageId = 'fwd-1@telco.test'): string {
  return [
    dmarcPass('rita@telco.test'),
    'From: Rita <rita@telco.test>',
    'To: complaints@redress.test',
    'Subject: Fwd: My bill is wrong',
    'Date: Mon, 07 Sep 2026 08:30:00 +0000',
    `Message-ID: <${messageId}>`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    command,
    '',
    'Alice rang about this too.',
    '--b1',
    'Content-Type: message/rfc822',
    'Content-Disposition: attachment; filename="My bill is wrong.eml"',
    '',
    original,
    '--b1--',
    '',
  ].join('\r\n');
}
