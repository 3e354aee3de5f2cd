import { describe, expect, it } from 'vitest';
import { forwardedDate, forwardedOriginal, mailbox } from '../../src/intake/forwarded.ts';
import { parseMessage } from '../../src/intake/parse.ts';
import type { ParsedMessage } from '../../src/intake/types.ts';
import { createBusinessCalendar } from '../../src/policy/calendar.ts';

const limits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };
const local = createBusinessCalendar().atLocal; // Europe/London
const FRIDAY_1655_BST = new Date('2026-09-04T15:55:00Z');

async function forward(body: string, subject = 'Fwd: My bill is wrong'): Promise<ParsedMessage> {
  const raw = ['From: Rita <rita@telco.test>', 'To: complaints@redress.test', `Subject: ${subject}`, 'Message-ID: <fwd@telco.test>', 'Content-Type: text/plain; charset=utf-8', '', body].join('\r\n');
  const parsed = await parseMessage(Buffer.from(raw), limits);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.message;
}

const ALICE = { address: 'alice@example.com', name: 'Alice Smith' };
const SAID = 'I was charged twice for my August bill.';

describe('forwardedOriginal: the customer email inside a staff forward, as mail clients write it', () => {
  it.each([
    ['Gmail', ['#open', '', '---------- Forwarded message ---------', 'From: Alice Smith <alice@example.com>', 'Date: Fri, Sep 4, 2026 at 4:55 PM', 'Subject: My bill is wrong', 'To: Rita <rita@telco.test>', '', '', SAID]],
    ['Outlook', ['#open', '', '________________________________', 'From: Alice Smith <alice@example.com>', 'Sent: Friday, September 4, 2026 4:55 PM', 'To: Rita <rita@telco.test>', 'Subject: My bill is wrong', '', SAID]],
    ['Outlook in plain text', ['#open', '', '-----Original Message-----', 'From: Alice Smith [mailto:alice@example.com]', 'Sent: Friday, September 4, 2026 4:55 PM', 'To: Rita', 'Subject: My bill is wrong', '', SAID]],
    ['Apple Mail', ['#open', '', 'Begin forwarded message:', '', 'From: "Alice Smith" <alice@example.com>', 'Subject: My bill is wrong', 'Date: 4 September 2026 at 16:55:00 BST', 'To: rita@telco.test', '', SAID]],
    ['Thunderbird', ['#open', '', '-------- Forwarded Message --------', 'Subject: \tMy bill is wrong', 'Date: \tFri, 4 Sep 2026 16:55:00 +0100', 'From: \tAlice Smith <alice@example.com>', 'To: \trita@telco.test', '', SAID]],
  ])('%s: sender, subject, what they wrote, and when it reached staff', async (_client, lines) => {
    expect(forwardedOriginal(await forward(lines.join('\r\n')), undefined, local)).toEqual({ from: ALICE, subject: 'My bill is wrong', text: SAID, gotAt: FRIDAY_1655_BST, gotFrom: 'forwarded-date', how: 'inline' });
  });

  it('a forwarded block quoted line by line loses its quote marks; a wrapped To: line stays in the header', async () => {
    const body = ['#open', '', 'Begin forwarded message:', '', '> From: Alice Smith <alice@example.com>', '> Subject: My bill is wrong', '> To: rita@telco.test,', '>   sam@telco.test', '>', `> ${SAID}`].join('\r\n');
    expect(forwardedOriginal(await forward(body), undefined, local)).toMatchObject({ from: ALICE, text: SAID, how: 'inline' });
  });

  it('without a Date line it has no time of its own (the forward arrival counts); without a subject, the forward subject without Fwd:', async () => {
    const body = ['#open', '', '---------- Forwarded message ---------', 'From: alice@example.com', '', SAID].join('\r\n');
    expect(forwardedOriginal(await forward(body, 'Fwd: FW: Broken line'), undefined, local)).toEqual({ from: { address: 'alice@example.com' }, subject: 'Broken line', text: SAID, how: 'inline' });
  });

  it('holds nothing when nothing is forwarded, or the forwarded From names no address', async () => {
    expect(forwardedOriginal(await forward('#open\r\nAlice called about her bill.'), undefined, local)).toBeUndefined();
    expect(forwardedOriginal(await forward('#open\r\n\r\n---------- Forwarded message ---------\r\nFrom: Alice Smith\r\nSubject: x\r\n\r\nhi'), undefined, local)).toBeUndefined();
  });

  it('an attached original: its own From and text, reached staff at its topmost Received stamp, else its Date', async () => {
    const raw = (received: string[]) =>
      [...received, 'From: Alice Smith <alice@example.com>', 'Subject: My bill is wrong', 'Date: Fri, 04 Sep 2026 16:54:02 +0100', 'Message-ID: <o@example.com>', '', SAID].join('\r\n');
    const attached = async (received: string[]) => {
      const parsed = await parseMessage(Buffer.from(raw(received)), limits);
      if (!parsed.ok) throw new Error(parsed.reason);
      return parsed.message;
    };
    const fwd = await forward('#open');
    const stamped = await attached(['Received: from mx.example.com by mail.telco.test; Fri, 04 Sep 2026 16:55:20 +0100', 'Received: from laptop by mx.example.com; Fri, 04 Sep 2026 16:54:10 +0100']);
    expect(forwardedOriginal(fwd, stamped, local)).toEqual({ from: ALICE, subject: 'My bill is wrong', text: SAID, gotAt: new Date('2026-09-04T15:55:20Z'), gotFrom: 'received', how: 'attached' });
    expect(forwardedOriginal(fwd, await attached([]), local)).toMatchObject({ gotAt: new Date('2026-09-04T15:54:02Z'), gotFrom: 'date' });
  });

  it('stays linear on hostile text (no catastrophic backtracking)', async () => {
    const hostile = [`#open\n---------- Forwarded message ---------\nFrom: ${' '.repeat(50_000)}x`, `#open\n-----Original Message-----\n${'From: a\n'.repeat(20_000)}`, `#open\nBegin forwarded message:\n${'Date: 4 '.repeat(30_000)}`];
    const messages = await Promise.all(hostile.map((h) => forward(h)));
    const started = performance.now();
    for (const m of messages) forwardedOriginal(m, undefined, local);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('forwardedDate and mailbox', () => {
  it.each([
    ['Fri, Sep 4, 2026 at 4:55 PM', '2026-09-04T15:55:00.000Z'],
    ['Friday, 4 September 2026 16:55', '2026-09-04T15:55:00.000Z'],
    ['Fri, 4 Sep 2026 15:55:00 GMT', '2026-09-04T15:55:00.000Z'],
    ['Mon, 2 Mar 2026 12:05 AM', '2026-03-02T00:05:00.000Z'],
    ['Sept. 4, 2026 4:55 p.m.', '2026-09-04T15:55:00.000Z'],
    ['4 Sep 2026 16:55 -0400', '2026-09-04T20:55:00.000Z'],
  ])('reads %s', (value, iso) => {
    expect(forwardedDate(value, local)?.toISOString()).toBe(iso);
  });

  it.each(['yesterday', '31 Feb 2026 10:00', '4 Smarch 2026 10:00', 'Fri, 4 Sep 2026 13:00 PM', '4 Sep 2026'])('does not guess at %s', (value) => {
    expect(forwardedDate(value, local)).toBeUndefined();
  });

  it.each([
    ['Alice Smith <Alice@Example.com>', { address: 'alice@example.com', name: 'Alice Smith' }],
    ['"Smith, Alice" <alice@example.com>', { address: 'alice@example.com', name: 'Smith, Alice' }],
    ['Alice Smith [mailto:alice@example.com]', { address: 'alice@example.com', name: 'Alice Smith' }],
    ['alice@example.com', { address: 'alice@example.com' }],
    ['Alice Smith', undefined],
  ])('reads the mailbox %s', (value, expected) => {
    expect(mailbox(value)).toEqual(expected);
  });
});
