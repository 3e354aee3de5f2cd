import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDeliveryStatus, parseTextBounce } from '../../src/intake/bounce.ts';
import { parseMessage } from '../../src/intake/parse.ts';
import type { ParsedMessage } from '../../src/intake/types.ts';

const limits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };

async function parsedFixture(name: string): Promise<ParsedMessage> {
  const result = await parseMessage(readFileSync(new URL(`../fixtures/eml/${name}`, import.meta.url)), limits);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const view = (subject: string, text: string, headers: Record<string, string[]> = {}) => ({ subject, text, headers, contentType: 'text/plain' });

describe('delivery reports: a bounce of one of our messages is tied back to it (POLICY: recorded on its case)', () => {
  it('reads an RFC 3464 DSN and the Message-ID of the returned message', async () => {
    const msg = await parsedFixture('bounce-dsn.eml');
    expect(msg.deliveryReport).toEqual({
      failedRecipients: ['jane.doe@example.com'],
      status: '5.1.1',
      action: 'failed',
      diagnostic: '550 5.1.1 <jane.doe@example.com>: Recipient address rejected: User unknown',
      permanent: true,
      originalMessageId: 'out-1@redress.test',
    });
  });

  it('marks a delay notice as not permanent and reads text/rfc822-headers', async () => {
    const msg = await parsedFixture('bounce-delay.eml');
    expect(msg.deliveryReport).toMatchObject({ failedRecipients: ['slow@example.org'], action: 'delayed', status: '4.4.1', permanent: false, originalMessageId: 'out-3@redress.test' });
  });

  it('reads an Exim text bounce: X-Failed-Recipients, the failed list and the quoted Message-ID', async () => {
    const msg = await parsedFixture('bounce-exim-text.eml');
    expect(msg.deliveryReport).toMatchObject({ failedRecipients: ['old.address@example.net'], status: '5.1.1', permanent: true, originalMessageId: 'out-2@redress.test' });
    expect(msg.deliveryReport?.diagnostic).toContain('550 5.1.1 No such user here');
  });

  it('gives ordinary mail no delivery report', async () => {
    expect((await parsedFixture('complaint-plain.eml')).deliveryReport).toBeUndefined();
  });
});

describe('parseDeliveryStatus', () => {
  it('reads several recipients even without blank lines between them, and only counts failed/delayed ones', () => {
    const report = parseDeliveryStatus(
      [
        'Reporting-MTA: dns; mx.example.com',
        '',
        'Original-Recipient: rfc822;a@example.com',
        'Final-Recipient: rfc822; <A@Example.com>',
        'Action: failed',
        'Status: 5.2.2 (mailbox full)',
        'Diagnostic-Code: smtp; 552 5.2.2 Mailbox full',
        'Final-Recipient: rfc822; b@example.com',
        'Action: delivered',
        'Status: 2.0.0',
        'Final-Recipient: rfc822; c@example.com',
        'Action: failed',
        'Status: 5.1.1',
      ].join('\r\n'),
    );
    expect(report).toEqual({ failedRecipients: ['a@example.com', 'c@example.com'], status: '5.2.2', action: 'failed', diagnostic: '552 5.2.2 Mailbox full', permanent: true });
  });
});

describe('parseTextBounce: best effort for bounces that are not RFC 3464', () => {
  it('reads a qmail bounce', () => {
    const text = [
      'Hi. This is the qmail-send program at mail.example.org.',
      "I'm afraid I wasn't able to deliver your message to the following addresses.",
      "This is a permanent error; I've given up. Sorry it didn't work out.",
      '',
      '<gone@example.org>:',
      'Sorry, no mailbox here by that name. (#5.1.1)',
    ].join('\n');
    expect(parseTextBounce(view('failure notice', text))).toMatchObject({ failedRecipients: ['gone@example.org'], status: '5.1.1', permanent: true });
  });

  it('reads a Gmail text bounce', () => {
    const text = [
      '** Address not found **',
      '',
      "Your message wasn't delivered to nobody@example.com because the address couldn't be found.",
      '',
      'The response was:',
      '550 5.1.1 The email account that you tried to reach does not exist.',
    ].join('\n');
    expect(parseTextBounce(view('Delivery Status Notification (Failure)', text))).toMatchObject({
      failedRecipients: ['nobody@example.com'],
      status: '5.1.1',
      diagnostic: '550 5.1.1 The email account that you tried to reach does not exist.',
      permanent: true,
    });
  });

  it('treats a text delay warning as temporary', () => {
    const text = 'This is a warning message only. Delivery to <later@example.com> has been delayed; it will be retried.';
    expect(parseTextBounce(view('Warning: message delayed', text)).permanent).toBe(false);
  });
});
