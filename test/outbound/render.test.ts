import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { threadingTag } from '../../src/outbound/render.ts';
import { TEST_ADR_CONTACT_TEXT, TEST_ADR_SCHEME } from '../helpers/adr-scheme.ts';
import { RedressError } from '../../src/errors.ts';
import { DEFAULT_TEMPLATES_DIR, loadTemplates } from '../../src/outbound/templates.ts';
import {
  OUTBOUND_KINDS,
  renderMessage,
  type CaseMessageData,
  type DataFor,
  type OutboundKind,
  type StaffDigestData,
} from '../../src/outbound/render.ts';

const templates = loadTemplates();
const base: CaseMessageData = {
  organisation: 'Redress Telecom',
  reference: 'CMP-2026-000042',
  token: 'k7x2abcdefgh2345',
  customerName: 'Ann Smith',
  caseSubject: 'Broadband keeps dropping',
  receivedDate: 'Monday 2 March 2026',
  eightWeekDate: 'Monday 27 April 2026',
  replyAddress: 'complaints+k7x2abcdefgh2345@redress.example',
};

const digest: StaffDigestData = {
  organisation: 'Redress Telecom',
  date: 'Tuesday 3 March 2026',
  counts: { newAwaitingReview: 3, priority: 1, dueToday: 4, overdue: 2, escalations: 1, awaitingConfirmation: 5, adrHorizon: 6, bounces: 7, quarantined: 8 },
  sections: [
    {
      title: 'Overdue',
      lines: [
        { reference: 'CMP-2026-000001', text: 'progress update owed since Monday 2 March', priority: false },
        { reference: 'CMP-2026-000002', text: 'acknowledgement owed', priority: true },
      ],
      more: null,
    },
  ],
};

const samples: { [K in OutboundKind]: DataFor<K> } = {
  ack: { ...base, missingInfo: false, nextUpdateDate: 'Monday 9 March 2026' },
  progress: { ...base, nextUpdateDate: 'Monday 16 March 2026' },
  outcome: { ...base, outcomeText: 'We found a fault at the exchange and fixed it.', closeDate: 'Monday 23 March 2026', replyWithinBusinessDays: 5 },
  closure_confirmed: { ...base, closedDate: 'Tuesday 24 March 2026' },
  closure_no_response: { ...base, closedDate: 'Tuesday 24 March 2026', outcomeSentDate: 'Monday 16 March 2026' },
  director_escalation: { ...base, reason: 'outcome', escalatedDate: 'Monday 9 March 2026', determinationDueDate: 'Saturday 14 March 2026' },
  adr_notice: { ...base, adrScheme: TEST_ADR_SCHEME, letterDate: 'Monday 30 March 2026' },
  deadlock_letter: { ...base, finalPosition: 'We have refunded two months of line rental.', issuedDate: 'Friday 20 March 2026', adrScheme: TEST_ADR_SCHEME },
  deadlock_refusal: { ...base, reason: 'timely', adrScheme: TEST_ADR_SCHEME },
  reply: { ...base, body: 'Thanks for the router photos.\nWe will call you tomorrow.', staffName: 'Priya' },
  staff_alert: {
    organisation: 'Redress Telecom',
    title: 'Case escalated to the Director',
    reference: 'CMP-2026-000042',
    owed: "The Director's determination is owed.",
    dueDate: 'Saturday 14 March 2026',
    details: ['Customer says the outcome is wrong', 'Second complaint this year'],
    nextSteps: 'Review the case and record a determination by replying DETERMINE.',
  },
  staff_digest: digest,
  command_receipt: { organisation: 'Redress Telecom', reference: 'CMP-2026-000042', verb: 'withdrawn', done: ['Closed the case as withdrawn by the customer (R17).'], undo: 'Send #reopen.' },
  letter: {
    ...base,
    postalAddress: ['12 Acacia Avenue', 'Leeds', 'LS1 4AB'],
    letterDate: '16 March 2026',
    body: 'We found a fault at the exchange and fixed it.',
    organisationAddress: ['1 Exchange Street', 'Manchester', 'M1 1AA'],
    confirmBy: 'Monday 23 March 2026',
    customerName: 'Ann Smith',
  },
};

const customerKinds = OUTBOUND_KINDS.filter((k) => k !== 'staff_alert' && k !== 'staff_digest' && k !== 'command_receipt');
const render = <K extends OutboundKind>(kind: K, data: DataFor<K>) => renderMessage(templates, kind, data);
const sample = <K extends OutboundKind>(kind: K, extra: Partial<DataFor<K>> = {}) => render(kind, { ...samples[kind], ...extra });

describe('renderMessage', () => {
  it.each(OUTBOUND_KINDS)('renders %s as subject, plain text and HTML', (kind) => {
    const out = renderMessage(templates, kind, samples[kind]);
    expect(out.subject.length).toBeGreaterThan(5);
    expect(out.text.trim().length).toBeGreaterThan(20);
    expect(out.html).toMatch(/^<!DOCTYPE html>/);
    expect(out.html).toContain('Redress Telecom');
    expect(out.text).not.toMatch(/\{\{|\}\}/);
    expect(out.html).not.toMatch(/\{\{|\}\}/);
  });

  it.each(customerKinds)('%s: the footer carries the reference/token line exactly as threadingTag renders it', (kind) => {
    const out = renderMessage(templates, kind, samples[kind]);
    const tag = threadingTag(base.reference, base.token);
    expect(tag).toBe('CMP-2026-000042/k7x2abcdefgh2345');
    expect(out.text).toContain(tag);
    expect(out.html).toContain(tag);
    if (kind !== 'letter') expect(out.text).toMatch(/Please keep this line when you reply/);
    expect(out.text.trimEnd().split('\n').slice(-4).join('\n')).toContain('Redress Telecom');
  });

  it.each([...customerKinds, 'staff_alert'] as const)('%s: the subject names the case as [CMP-...] on one line, whatever the customer typed', (kind) => {
    const hostile = { caseSubject: 'Help\r\nBcc: victim@example.com\n', customerName: 'Ann\r\nSmith' };
    const out = renderMessage(templates, kind, { ...samples[kind], ...(kind === 'staff_alert' ? { title: 'Bounce\r\nBcc: x@y.z' } : hostile) } as never);
    expect(out.subject).toContain('[CMP-2026-000042]');
    expect(out.subject).not.toMatch(/[\r\n\t]/);
    expect(out.subject).not.toMatch(/ {2}/);
  });

  it('the digest subject is one line and carries no case reference', () => {
    expect(sample('staff_digest').subject).toBe('Redress Telecom complaints digest for Tuesday 3 March 2026: 2 overdue, 4 due today, 3 new');
  });

  it.each(OUTBOUND_KINDS)('%s: HTML escapes <script> in any customer or staff text', (kind) => {
    const out = renderMessage(templates, kind, poison(samples[kind]) as never);
    expect(out.html).not.toMatch(/<script|<img/i);
    expect(out.html).toContain('&lt;script&gt;');
  });

  it('text parts are not HTML-escaped', () => {
    const out = sample('reply', { body: `Tom & Jerry's "broadband" <fibre>` });
    expect(out.text).toContain(`Tom & Jerry's "broadband" <fibre>`);
    expect(out.html).toContain('Tom &amp; Jerry&#x27;s &quot;broadband&quot; &lt;fibre&gt;');
  });

  it('multi-line staff text becomes paragraphs and line breaks in HTML', () => {
    const out = sample('reply', { body: 'First line\nsecond line\r\n\r\nNew paragraph' });
    expect(out.html).toContain('First line<br>\nsecond line</p>');
    expect(out.html).toMatch(/<p[^>]*>New paragraph<\/p>/);
  });

  it('a missing field is an error naming the template and the field', () => {
    const { eightWeekDate: _dropped, ...rest } = samples.ack;
    const attempt = () => renderMessage(templates, 'ack', rest as never);
    expect(attempt).toThrow(RedressError);
    expect(attempt).toThrow(/template ack\.(subject|text|html)\.hbs: missing field "eightWeekDate"/);
  });

  it('a missing template is a config error naming the file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redress-templates-'));
    fs.cpSync(DEFAULT_TEMPLATES_DIR, dir, { recursive: true });
    fs.rmSync(path.join(dir, 'outcome.html.hbs'));
    try {
      expect(() => loadTemplates(dir)).toThrow(/outcome\.html\.hbs/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('acknowledgement (R1, R2, R9)', () => {
  it('R1: the acknowledgement gives the reference, what happens next, the 8-week date and how to reply', () => {
    const { subject, text } = sample('ack');
    expect(subject).toBe("We've received your complaint [CMP-2026-000042]");
    expect(text).toContain('Your case reference is CMP-2026-000042 ("Broadband keeps dropping")');
    expect(text).toContain('WHAT HAPPENS NEXT');
    expect(text).toContain('Monday 27 April 2026');
    expect(text).toContain('Monday 9 March 2026');
    expect(text).toContain('reply to this email');
    expect(text).toContain('Dear Ann Smith,');
    expect(text).not.toMatch(/subject matter/);
  });

  it('R2: the acknowledgement asks for the subject matter and facts when they are missing', () => {
    const { text, html } = sample('ack', { missingInfo: true, caseSubject: '' });
    for (const out of [text, html]) {
      expect(out).toMatch(/the subject matter: what the complaint is about/);
      expect(out).toMatch(/the facts: what happened and when/);
    }
    expect(text).toContain('Your case reference is CMP-2026-000042.');
  });

  it('R9: a third-party acknowledgement addresses the representative and names the customer', () => {
    const { text, html } = sample('ack', { representative: { name: 'Carol Jones' }, customerName: 'Ann Smith' });
    expect(text).toMatch(/^Dear Carol Jones,/);
    expect(text).toContain('on behalf of Ann Smith');
    expect(html).toContain('Dear Carol Jones,');
    expect(html).toContain('on behalf of Ann Smith');
  });

  it('greets "Hello," when no name is known', () => {
    expect(sample('ack', { customerName: undefined }).text).toMatch(/^Hello,/);
  });
});

describe('progress update (R3)', () => {
  it('R3: gives progress so far, proposed actions and expected timeframe from the latest staff note', () => {
    const { text, html } = sample('progress', {
      update: { progress: 'An engineer tested your line.', proposedActions: 'We will replace the router.', expectedTimeframe: 'By Friday 13 March.' },
    });
    expect(text).toMatch(/PROGRESS SO FAR\nAn engineer tested your line\./);
    expect(text).toMatch(/WHAT WE PLAN TO DO NEXT\nWe will replace the router\./);
    expect(text).toMatch(/EXPECTED TIMEFRAME\nBy Friday 13 March\./);
    expect(text).toContain('We will update you again by Monday 16 March 2026.');
    expect(html).toContain('An engineer tested your line.');
  });

  it('R3: without a staff note, says we are still investigating and gives the 8-week date', () => {
    const { text } = sample('progress');
    expect(text).toMatch(/still investigating/);
    expect(text).toContain('We aim to resolve the complaint by Monday 27 April 2026.');
    expect(text).toContain('We will update you again by Monday 16 March 2026.');
  });
});

describe('outcome and closure (R10, R11, R12)', () => {
  it('R10: the outcome asks the customer to confirm the case may be closed, and says when silence closes it', () => {
    const { text } = sample('outcome');
    expect(text).toContain('We found a fault at the exchange and fixed it.');
    expect(text).toMatch(/reply to this email to confirm that we may close the case/);
    expect(text).toContain('If we do not hear from you within 5 business days, by Monday 23 March 2026');
  });

  it('R11: the closure notice thanks the customer for confirming', () => {
    expect(sample('closure_confirmed').text).toMatch(/Thank you for confirming.*closed the case on Tuesday 24 March 2026/s);
  });

  it('R12: the closure notice says no reply came after the outcome message', () => {
    const { text } = sample('closure_no_response');
    expect(text).toContain('On Monday 16 March 2026 we wrote to you with the outcome');
    expect(text).toContain('we closed the case on Tuesday 24 March 2026');
  });

  it('R9: a letter for a representative is addressed to them and names the customer', () => {
    const { text, html } = sample('letter', { representative: { name: 'Carol Jones' } });
    expect(text).toMatch(/^Redress Telecom\n1 Exchange Street\nManchester\nM1 1AA\n\nCarol Jones\n12 Acacia Avenue/);
    expect(text).toContain('Dear Carol Jones,\n\nComplaint made on behalf of Ann Smith');
    expect(html).toContain('Complaint made on behalf of Ann Smith');
  });

  it('R10: the printable letter has the organisation, date, name and postal address, reference and body', () => {
    const { text, html, subject } = sample('letter');
    expect(subject).toBe('Letter to post to Ann Smith [CMP-2026-000042]');
    expect(text).toMatch(/^Redress Telecom\n1 Exchange Street\nManchester\nM1 1AA\n\nAnn Smith\n12 Acacia Avenue\nLeeds\nLS1 4AB\n\n16 March 2026\n\nOur reference: CMP-2026-000042\n\nDear Ann Smith,/);
    expect(text).toContain('We found a fault at the exchange and fixed it.');
    expect(text).toContain('If we have not heard from you by Monday 23 March 2026');
    expect(html).toContain('@page');
    expect(html).toContain('<div>12 Acacia Avenue</div>');
    expect(html).toContain('<strong>CMP-2026-000042</strong>');
  });
});

describe('escalation and ADR (R7, R13, R14, R15, R16)', () => {
  it('R7/R13: the escalation notice names the Director of Customer Service and the determination date', () => {
    const { text, subject } = sample('director_escalation');
    expect(subject).toContain('Director of Customer Service');
    expect(text).toContain('You told us you are not happy with the outcome');
    expect(text).toContain('make a determination by Saturday 14 March 2026');
    expect(sample('director_escalation', { reason: 'handling' }).text).toContain('unhappy with the way we have handled');
    expect(sample('director_escalation', { reason: 'unresolved' }).text).toContain('has not been able to resolve');
  });

  it('R14/R16: the ADR notice names the configured scheme, says it is free, that the customer has 12 months from the letter, who it serves, and every contact detail', () => {
    const { subject, text, html } = sample('adr_notice');
    expect(subject).toBe('Your right to take your complaint to Communications Dispute Scheme [CMP-2026-000042]');
    expect(text).toContain('you now have the right to take it to Communications Dispute Scheme.');
    expect(text).toContain(
      'Communications Dispute Scheme is an independent alternative dispute resolution (ADR) scheme. It is free for you to use. You have 12 months from the date of this letter, Monday 30 March 2026, to take your complaint to it. It serves consumers, and businesses with 10 or fewer employees.',
    );
    expect(text).toContain(`You can contact Communications Dispute Scheme at:\n\n${TEST_ADR_CONTACT_TEXT}\n`);
    expect(html).toContain('It is <strong>free</strong> for you to use. You have <strong>12 months from the date of this letter</strong>, Monday 30 March 2026, to take your complaint to it. It serves consumers, and businesses with 10 or fewer employees.');
    expect(html).toContain('Unit 7<br>\nQuay House<br>\nSalford<br>\nM50 3AB<br>');
    expect(html).toContain('<a href="mailto:help@cds.example"');
    expect(html).toContain('<a href="https://cds.example/complaints"');
    expect(html).toContain('Textphone: 18001 0300 123 4567');
    for (const out of [text, html]) expect(out).not.toMatch(/Ombudsman|PO Box 730|os-communications/);
  });

  it('R15: the deadlock letter gives our final position and the same ADR rights, 12 months from the date it was issued', () => {
    const { text } = sample('deadlock_letter');
    expect(text).toMatch(/OUR FINAL POSITION\nWe have refunded two months of line rental\./);
    expect(text).toMatch(/deadlock letter/);
    expect(text).toContain('You can now take your complaint to Communications Dispute Scheme.');
    expect(text).toContain('It is free for you to use. You have 12 months from the date of this letter, Friday 20 March 2026, to take your complaint to it. It serves consumers, and businesses with 10 or fewer employees.');
    expect(text).toContain(TEST_ADR_CONTACT_TEXT);
    expect(text).not.toMatch(/Ombudsman/);
  });

  it.each([
    ['timely', /genuine and reasonable grounds to consider that your complaint will be resolved in a timely manner/],
    ['vexatious', /we reasonably consider the complaint to be vexatious/],
    ['jurisdiction', /outside the jurisdiction of Communications Dispute Scheme/],
  ] as const)('R15: the deadlock refusal states the %s reason', (reason, wording) => {
    const { text, html } = sample('deadlock_refusal', { reason, explanation: 'A note from the team.' });
    expect(text).toContain('we will not issue a deadlock letter');
    expect(text).toMatch(wording);
    expect(html).toMatch(wording);
    expect(text).toContain('A note from the team.');
    const others = ['timely', 'vexatious', 'jurisdiction'].filter((r) => r !== reason);
    for (const other of others) expect(text).not.toMatch(other === 'timely' ? /timely manner/ : other === 'vexatious' ? /vexatious/ : /jurisdiction/);
  });
});

describe('staff messages', () => {
  it('a staff alert gives the title, case, what is owed, the details and what to do next', () => {
    const { subject, text } = sample('staff_alert');
    expect(subject).toBe('Case escalated to the Director [CMP-2026-000042]');
    expect(text).toContain('Case: CMP-2026-000042');
    expect(text).toContain("The Director's determination is owed. Due: Saturday 14 March 2026.");
    expect(text).toContain('- Customer says the outcome is wrong\n- Second complaint this year');
    expect(text).toMatch(/WHAT TO DO NEXT\nReview the case/);
  });

  it('R8: a priority alert says so in the subject', () => {
    expect(sample('staff_alert', { priority: true }).subject).toBe('PRIORITY: Case escalated to the Director [CMP-2026-000042]');
  });

  it('a staff alert without a case has no reference', () => {
    const { subject, text } = sample('staff_alert', { reference: undefined, title: 'Staff command refused', details: [] });
    expect(subject).toBe('Staff command refused');
    expect(text).not.toContain('Case:');
    expect(text).not.toContain('DETAILS');
  });

  it('the digest puts the counts first, then each line with its case reference and what is owed', () => {
    const { text, html } = sample('staff_digest');
    const counts = text.indexOf('AT A GLANCE');
    expect(counts).toBeGreaterThan(-1);
    expect(counts).toBeLessThan(text.indexOf('Overdue\n'));
    expect(text).toMatch(/New, awaiting review: +3/);
    expect(text).toMatch(/Quarantined messages: +8/);
    expect(text).toContain('CMP-2026-000001: progress update owed since Monday 2 March');
    expect(html).toContain('CMP-2026-000001');
  });

  it('R8: priority cases come first in each digest section', () => {
    const { text } = sample('staff_digest');
    expect(text).toMatch(/Overdue\n\[PRIORITY\] CMP-2026-000002: acknowledgement owed\nCMP-2026-000001/);
  });

  it('a digest section longer than DIGEST_MAX_ITEMS says how many more there are and which commands list them', () => {
    const overdue = { ...digest.sections[0]!, more: { count: 1234, where: ['redress cases --status open', 'redress cases --status awaiting_confirmation'] } };
    const { text, html } = sample('staff_digest', { sections: [overdue] });
    expect(text).toContain('CMP-2026-000001: progress update owed since Monday 2 March\n... and 1,234 more: `redress cases --status open`, `redress cases --status awaiting_confirmation`\n');
    expect(html).toMatch(/&hellip; and 1,234 more: <code[^>]*>redress cases --status open<\/code>, <code[^>]*>redress cases --status awaiting_confirmation<\/code>/);
  });

  it('an empty digest says nothing needs attention', () => {
    expect(sample('staff_digest', { sections: [] }).text).toContain('Nothing needs attention today.');
  });
});

/** Every string in the data gets a script tag and an event-handler image appended. */
function poison(value: unknown): unknown {
  if (typeof value === 'string') return `${value}<script>alert(1)</script><img src=x onerror=alert(1)>`;
  if (Array.isArray(value)) return value.map(poison);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poison(v)]));
  return value;
}
