import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classify, replyKind } from '../../src/intake/classify.ts';
import { parseMessage } from '../../src/intake/parse.ts';
import { extractThreadKeys } from '../../src/intake/thread-keys.ts';
import { judgeSender, NO_AUTH } from '../../src/intake/sender-auth.ts';
import type { ClassifyContext, ParsedMessage, ThreadMatch } from '../../src/intake/types.ts';

const limits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };

async function parse(raw: string | Buffer): Promise<ParsedMessage> {
  const result = await parseMessage(Buffer.isBuffer(raw) ? raw : Buffer.from(raw), limits);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const fixture = (name: string) => parse(readFileSync(new URL(`../fixtures/eml/${name}`, import.meta.url)));
const email = (headers: string[], body = 'Hello, this is a message with enough words to be a complaint.') =>
  parse(`${headers.join('\r\n')}\r\n\r\n${body}`);

const thread: ThreadMatch = {
  caseId: 42n,
  reference: 'CMP-2026-000042',
  via: 'headers',
  caseAddresses: ['jane.doe@example.com'],
  status: 'outcome_sent',
};

function context(over: Partial<ClassifyContext> = {}): ClassifyContext {
  return {
    ownAddresses: new Set(['complaints@redress.test']),
    staffAddresses: new Set(['alex@redress.test']),
    staffAuthRequired: false,
    senderAuth: NO_AUTH,
    thread: null,
    namedReference: null,
    missingFactsMinWords: 8,
    ...over,
  };
}

describe('classify: what is not a complaint opens no case (POLICY: what is not a complaint)', () => {
  it('mail from our own addresses, plus-addressed or not, is "other"', async () => {
    for (const from of ['complaints@redress.test', 'Complaints+abcdefghijklmnop@Redress.test']) {
      const msg = await email([`From: ${from}`, 'Subject: loop']);
      expect(classify(msg, context())).toEqual({ kind: 'other', reasons: ['own-address'] });
    }
  });

  it('a message without a From address is "other"', async () => {
    const msg = await email(['Subject: who sent this?', 'To: complaints@redress.test']);
    expect(classify(msg, context())).toEqual({ kind: 'other', reasons: ['no-sender'] });
  });

  it('a From that is not an address ("From: hermes") opens nothing', async () => {
    const msg = await email(['From: hermes', 'Subject: my bill']);
    expect(classify(msg, context())).toEqual({ kind: 'other', reasons: ['no-sender', 'sender-not-an-address'] });
  });

  it('auto-replies open no case, even when they thread to one', async () => {
    const msg = await fixture('out-of-office.eml');
    const cls = classify(msg, context({ thread: { ...thread, caseAddresses: ['priya.patel@example.com'] } }));
    expect(cls.kind).toBe('auto_reply');
    expect(cls.reasons).toContain('auto-submitted: auto-replied');
    expect(cls.caseId).toBeUndefined();
  });

  it.each([
    [['X-Autoreply: yes'], 'x-autoreply'],
    [['X-Autorespond: vacation'], 'x-autorespond'],
    [['Precedence: bulk'], 'precedence: bulk'],
    [['Precedence: junk'], 'precedence: junk'],
    [['Auto-Submitted: auto-generated'], 'auto-submitted: auto-generated'],
    [['List-Post: <mailto:list@example.org>'], 'mailing-list: list-post'],
  ])('%s marks an automatic message', async (extra, reason) => {
    const msg = await email(['From: someone@example.org', 'Subject: hello', ...extra]);
    const cls = classify(msg, context());
    expect(cls.kind).toBe('auto_reply');
    expect(cls.reasons).toContain(reason);
  });

  it.each(['Out of Office: Re: your complaint', 'Automatic reply: Your complaint', 'Auto: away', 'Abwesenheitsnotiz: Ihre Beschwerde', 'Autosvar: klage', 'Re: hello (Automatic Response)'])(
    'out-of-office subject "%s" is an auto-reply',
    async (subject) => {
      const msg = await email(['From: someone@example.org', `Subject: ${subject}`]);
      expect(classify(msg, context()).kind).toBe('auto_reply');
    },
  );

  it('newsletters and mailing lists are automatic, not complaints', async () => {
    const cls = classify(await fixture('newsletter.eml'), context());
    expect(cls.kind).toBe('auto_reply');
    expect(cls.reasons).toEqual(expect.arrayContaining(['precedence: bulk', 'mailing-list: list-id']));
  });

  it('Auto-Submitted: no and X-Auto-Response-Suppress (Outlook sets it on normal mail) are not signs', async () => {
    const msg = await email(['From: jane@example.org', 'Subject: my bill', 'Auto-Submitted: no', 'X-Auto-Response-Suppress: All']);
    expect(classify(msg, context()).kind).toBe('complaint');
  });

  it('a challenge-response message dressed as a DSN is an auto-reply, not a bounce', async () => {
    const msg = await email(
      ['From: noreply@boxbe.com', 'Subject: Re: your complaint', 'Content-Type: multipart/report; report-type=delivery-status; boundary="x"'],
      '--x\r\nContent-Type: text/plain\r\n\r\nYour message has been waitlisted. Please add yourself to my Boxbe Guest List.\r\n--x--\r\n',
    );
    const cls = classify(msg, context());
    expect(cls.kind).toBe('auto_reply');
    expect(cls.reasons[0]).toMatch(/^challenge-response/);
  });

  it('an ARF feedback report is "other" (feedback-report)', async () => {
    const msg = await email(
      ['From: abuse@isp.example', 'Subject: Abuse report', 'Content-Type: multipart/report; report-type=feedback-report; boundary="f"'],
      '--f\r\nContent-Type: text/plain\r\n\r\nThis is an email abuse report.\r\n--f\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: abuse\r\n--f--\r\n',
    );
    expect(classify(msg, context())).toEqual({ kind: 'other', reasons: ['feedback-report'] });
  });
});

describe('classify: delivery failures are bounces (POLICY: a bounce of our message is recorded on its case)', () => {
  it('an RFC 3464 DSN is a bounce carrying the Message-ID of our message', async () => {
    const msg = await fixture('bounce-dsn.eml');
    const cls = classify(msg, context());
    expect(cls.kind).toBe('bounce');
    expect(cls.reasons).toContain('report-type: delivery-status');
    expect(msg.deliveryReport?.originalMessageId).toBe('out-1@redress.test');
  });

  it('a delay notice is a bounce too, not permanent', async () => {
    const msg = await fixture('bounce-delay.eml');
    expect(classify(msg, context()).kind).toBe('bounce');
    expect(msg.deliveryReport?.permanent).toBe(false);
  });

  it('an Exim text bounce from Mailer-Daemon is a bounce', async () => {
    expect(classify(await fixture('bounce-exim-text.eml'), context()).kind).toBe('bounce');
  });

  it.each(['Undeliverable: Your complaint', 'Delivery Status Notification (Failure)', 'Mail delivery failed: returning message to sender', 'Returned mail: see transcript for details', 'failure notice'])(
    'the subject "%s" marks a bounce from a mail system',
    async (subject) => {
      const msg = await email(['From: helpdesk@example.org', `Subject: ${subject}`], 'Your message could not be delivered: 550 5.1.1 user unknown.');
      expect(classify(msg, context()).kind).toBe('bounce');
      expect(classify(msg, context()).reasons).toContain('subject: delivery failure');
    },
  );

  it('a customer complaint titled "Delivery failed" about a router is still a complaint (R1)', async () => {
    const msg = await email(['From: jo@example.org', 'Subject: Delivery failed'], 'Your courier never delivered my new router and I have had no broadband for a week.');
    expect(classify(msg, context()).kind).toBe('complaint');
  });

  it('a null envelope sender that is not an auto-reply or receipt is a delivery notice', async () => {
    const msg = await email(['Return-Path: <>', 'From: notifications@example.org', 'Subject: Notice']);
    expect(classify(msg, context())).toEqual({ kind: 'bounce', reasons: ['return-path: <>'] });
  });
});

describe('classify: read receipts and spam', () => {
  it('a disposition notification is a read receipt', async () => {
    expect(classify(await fixture('read-receipt.eml'), context())).toEqual({ kind: 'read_receipt', reasons: ['report-type: disposition-notification'] });
  });

  it('X-Spam-Flag: YES is spam', async () => {
    const cls = classify(await fixture('spam-flagged.eml'), context());
    expect(cls.kind).toBe('spam');
    expect(cls.reasons).toContain('x-spam-flag: yes');
  });

  it.each([['X-Spam: Yes'], ['X-Spamd-Result: default: True [15.00 / 15.00]'], ['X-Rspamd-Action: add header']])('%s is spam', async (header) => {
    const msg = await email(['From: x@example.org', 'Subject: offer', header]);
    expect(classify(msg, context()).kind).toBe('spam');
  });
});

describe('classify: rules that fit one corpus file have fixtures of their own (POLICY: what is not a complaint)', () => {
  it.each([
    ['out-of-office-latvian.eml', 'auto_reply', 'subject: out-of-office'],
    ['read-receipt-tnef.eml', 'read_receipt', 'tnef: read report'],
    ['bounce-status-part.eml', 'bounce', 'message/delivery-status part'],
    ['spam-gtube.eml', 'spam', 'gtube'],
    ['spam-exchange-sfv.eml', 'spam', 'exchange: sfv spm'],
    ['challenge-response-allowed-list.eml', 'auto_reply', 'challenge-response: "have your address added to"'],
    ['mailing-list-mailman.eml', 'auto_reply', 'mailing-list: x-mailman-version'],
    ['noreply-notification.eml', 'auto_reply', 'from: noreply@tracking.example'],
  ])('%s is %s (%s)', async (name, kind, reason) => {
    const cls = classify(await fixture(name), context());
    expect(cls.kind).toBe(kind);
    expect(cls.reasons).toContain(reason);
  });
});

describe('classify: regressions', () => {
  it('an Outlook read receipt sent as TNEF (application/ms-tnef, "Read: ...") is a read receipt, not a complaint', async () => {
    expect(classify(await fixture('read-receipt-tnef.eml'), context())).toEqual({ kind: 'read_receipt', reasons: ['tnef: read report'] });
  });

  it('a "Read: ..." message whose only content is winmail.dat is a read receipt even when the TNEF names no report class', async () => {
    const msg = await email(
      ['From: priya.patel@example.com', 'Subject: Read: Your complaint CMP-2026-000042', 'Content-Type: application/ms-tnef; name="winmail.dat"', 'Content-Transfer-Encoding: base64'],
      Buffer.from('x'.repeat(64)).toString('base64'),
    );
    expect(classify(msg, context())).toEqual({ kind: 'read_receipt', reasons: ['subject: read receipt', 'tnef only'] });
  });

  it('a rich-text complaint titled "Read: ..." with text of its own beside winmail.dat is still a complaint (R1)', async () => {
    const msg = await email(
      ['From: jo@example.org', 'Subject: Read: my letter of 3 March', 'Content-Type: multipart/mixed; boundary="m"'],
      '--m\r\nContent-Type: text/plain\r\n\r\nYou have still not answered my letter about the double charge on my bill.\r\n--m\r\nContent-Type: application/ms-tnef; name="winmail.dat"\r\nContent-Transfer-Encoding: base64\r\n\r\neJ8+IgEAAQ==\r\n--m--\r\n',
    );
    expect(classify(msg, context()).kind).toBe('complaint');
  });

  it.each(['Automātiskā atbilde: Jūsu sūdzība', 'Ārpus biroja atrašanās automātiskā atbilde: sūdzība', 'Arpus biroja atrasanas automatiska atbilde: subjecting', 'Atvalinājums Re: subjecting', 'Atvaļinājums: sūdzība'])(
    'the Latvian out-of-office subject "%s" is an auto-reply (no word edge after "ā" for \\b)',
    async (subject) => {
      const msg = await email(['From: ilze@example.lv', `Subject: =?UTF-8?B?${Buffer.from(subject).toString('base64')}?=`], 'Esmu atvaļinājumā līdz pirmdienai.');
      expect(classify(msg, context()).kind).toBe('auto_reply');
    },
  );

  it('a delivery report without a From is a bounce, not "other"', async () => {
    const msg = await email(
      ['Subject: Mail delivery failed: returning message to sender', 'Return-Path: <>', 'Content-Type: multipart/report; report-type=delivery-status; boundary="r"'],
      '--r\r\nContent-Type: text/plain\r\n\r\nThis message was created automatically by mail delivery software.\r\n--r\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; jane@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n--r--\r\n',
    );
    const cls = classify(msg, context());
    expect(cls.kind).toBe('bounce');
    expect(cls.reasons).toContain('report-type: delivery-status');
  });

  it('a person writing from a postmaster@ address is not a bounce (R1)', async () => {
    const msg = await email(['From: Bob <postmaster@example.com>', 'Subject: My broadband bill'], 'You charged me twice for broadband in March and I want the second payment back.');
    expect(classify(msg, context()).kind).toBe('complaint');
  });

  it('a postmaster@ notice titled "Undeliverable:" is still a bounce', async () => {
    const msg = await email(['From: postmaster@example.com', 'Subject: Undeliverable: Your complaint'], 'Test message');
    expect(classify(msg, context())).toEqual({ kind: 'bounce', reasons: ['subject: delivery failure', 'from: postmaster@example.com'] });
  });

  it('GTUBE sent with "Precedence: junk" is spam, not an auto-reply', async () => {
    expect(classify(await fixture('spam-gtube.eml'), context()).kind).toBe('spam');
  });

  it('a web form sending from noreply@ with the customer in Reply-To is a complaint (R1)', async () => {
    expect(classify(await fixture('noreply-web-form.eml'), context()).kind).toBe('complaint');
  });
});

describe('classify: staff act by email only from staff addresses that pass authentication (POLICY: who may do what)', () => {
  it('a staff message counts for the case it names', async () => {
    const cls = classify(await fixture('staff-note.eml'), context({ namedReference: { ...thread, via: 'reference' } }));
    expect(cls).toEqual({ kind: 'staff', reasons: ['staff-address', 'staff-auth-not-required'], caseId: 42n });
  });

  const withAuth = (msg: ParsedMessage, authservId: string) => context({ staffAuthRequired: true, senderAuth: judgeSender(authservId, undefined, msg.headerLines, msg.from?.address) });

  it('passes when our server recorded dmarc=pass for the staff domain', async () => {
    const msg = await fixture('staff-note.eml');
    expect(classify(msg, withAuth(msg, 'mx.redress.test'))).toEqual({ kind: 'staff', reasons: ['staff-address', 'staff-auth-passed'] });
  });

  it('fails when the Authentication-Results header is not from our server', async () => {
    const msg = await fixture('staff-note.eml');
    expect(classify(msg, withAuth(msg, 'mx.other.test'))).toEqual({
      kind: 'other',
      reasons: ['staff-auth-failed', 'sender-auth: none (no Authentication-Results from mx.other.test at the top of the message)'],
    });
  });

  it('fails without a passing result for the sender domain', async () => {
    const msg = await email([
      'Authentication-Results: mx.redress.test; dkim=pass header.d=attacker.example; dmarc=fail header.from=redress.test',
      'From: alex@redress.test',
      'Subject: CMP-2026-000042 close',
    ]);
    expect(classify(msg, withAuth(msg, 'mx.redress.test'))).toEqual({ kind: 'other', reasons: ['staff-auth-failed', 'sender-auth: fail (dmarc=fail for redress.test)'] });
  });

  it('refuses staff mail with no sender authentication at all when it is required', async () => {
    const msg = await email(['From: alex@redress.test', 'Subject: CMP-2026-000042 close']);
    expect(classify(msg, context({ staffAuthRequired: true })).kind).toBe('other');
  });
});

describe('classify: customer replies count only from an address on the case (POLICY: who may do what)', () => {
  it('a confirmation closes nothing unless it says so; this one does (R11)', async () => {
    const cls = classify(await fixture('confirmation.eml'), context({ thread }));
    expect(cls.kind).toBe('confirmation');
    expect(cls.caseId).toBe(42n);
  });

  it('"not resolved" is never a confirmation, even when our quoted letter says "yes, resolved" (R13)', async () => {
    const cls = classify(await fixture('not-resolved.eml'), context({ thread }));
    expect(cls.kind).toBe('not_resolved');
    expect(cls.caseId).toBe(42n);
  });

  it('a request for a deadlock letter is recognised (R15)', async () => {
    expect(classify(await fixture('deadlock-request.eml'), context({ thread })).kind).toBe('deadlock_request');
  });

  it('an ordinary reply is a reply, and still raises priority signals for staff (R8)', async () => {
    const outlook = classify(await fixture('reply-outlook.eml'), context({ thread }));
    expect(outlook.kind).toBe('reply');
    const gmail = classify(await fixture('reply-gmail.eml'), context({ thread }));
    expect(gmail.kind).toBe('reply');
    expect(gmail.signals?.vulnerable).toBe(true);
  });

  it('a sender who is not on the case counts for nothing', async () => {
    const cls = classify(await fixture('confirmation.eml'), context({ thread: { ...thread, caseAddresses: ['someone.else@example.com'] } }));
    expect(cls).toEqual({ kind: 'other', reasons: ['thread-sender-not-on-case'] });
  });

  it('a message that merely names a reference opens nothing and closes nothing', async () => {
    const msg = await email(['From: stranger@example.org', 'Subject: CMP-2026-000042'], 'Yes, resolved, please close CMP-2026-000042.');
    expect(classify(msg, context({ namedReference: { ...thread, via: 'reference' } }))).toEqual({ kind: 'other', reasons: ['names-reference-without-token'] });
  });

  it.each([
    ['It is not resolved, please do not close it.', 'not_resolved'],
    ["I'm not happy for you to close it.", 'not_resolved'],
    ['No, the problem persists.', 'not_resolved'],
    ['I do not accept your outcome.', 'not_resolved'],
    ['Yes, resolved, thank you.', 'confirmation'],
    ['You can close the complaint now.', 'confirmation'],
    ["That's sorted, cheers.", 'confirmation'],
    ['Please issue a deadlock letter.', 'deadlock_request'],
    ['Thanks, I will call you tomorrow.', 'reply'],
  ])('replyKind("%s") is %s; negation wins', (text, kind) => {
    expect(replyKind(text).kind).toBe(kind);
  });
});

describe('classify: everything else is a new complaint with signals', () => {
  it('a new complaint carries its signals (R1, R8)', async () => {
    const cls = classify(await fixture('vulnerable-complaint.eml'), context());
    expect(cls.kind).toBe('complaint');
    expect(cls.signals).toMatchObject({ vulnerable: true, urgent: true });
  });

  it('an empty complaint is still a complaint, flagged missing facts (R2)', async () => {
    const cls = classify(await fixture('empty-complaint.eml'), context());
    expect(cls.kind).toBe('complaint');
    expect(cls.signals?.missingFacts).toBe(true);
  });
});

describe('extractThreadKeys: what a message offers to thread it to a case (POLICY: who may do what)', () => {
  it('collects our Message-IDs, the plus-address token and the quoted reference/token footer', async () => {
    expect(extractThreadKeys(await fixture('reply-outlook.eml'))).toEqual({
      messageIds: ['out-1@redress.test', 'out-0@redress.test'],
      tokens: ['abcdefghijklmnop'],
      referencesWithToken: [{ reference: 'CMP-2026-000042', token: 'abcdefghijklmnop' }],
      namedReferences: ['CMP-2026-000042'],
    });
  });

  it('normalises case and ignores tokens that are not 16 base32 characters', async () => {
    const msg = await email(
      ['From: jane@example.com', 'To: Complaints+ABCDEFGHIJKLMNOP@redress.test', 'Cc: jane+shopping@example.com', 'Subject: re cmp-2026-000043'],
      'See cmp-2026-000042/QRSTUVWXYZ234567 and CMP-2026-000044/short and CMP-2026-0000450.',
    );
    expect(extractThreadKeys(msg)).toEqual({
      messageIds: [],
      tokens: ['abcdefghijklmnop'],
      referencesWithToken: [{ reference: 'CMP-2026-000042', token: 'qrstuvwxyz234567' }],
      namedReferences: ['CMP-2026-000043', 'CMP-2026-000042', 'CMP-2026-000044'],
    });
  });

  it('finds a token only in Delivered-To when the To header was rewritten', async () => {
    const msg = await email(['Delivered-To: complaints+mnopqrstuvwxyz23@redress.test', 'From: jane@example.com', 'To: Complaints <complaints@redress.test>', 'Subject: hi']);
    expect(extractThreadKeys(msg).tokens).toEqual(['mnopqrstuvwxyz23']);
  });
});
