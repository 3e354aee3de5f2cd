import type { Rng } from './random.ts';

/** Small, realistic complaint mail: distinct senders, subjects, 3-6 sentence bodies, unique Message-IDs. */
export interface Complaint {
  from: { name: string; address: string };
  subject: string;
  body: string;
  messageId: string; // without brackets
  date: Date;
  html: boolean;
}

export const COMPLAINTS_ADDRESS = 'complaints@redress.test';

const FIRST = ['Alice', 'Bilal', 'Chloe', 'Dmitri', 'Eilidh', 'Farah', 'George', 'Hannah', 'Ifeoma', 'James', 'Katarzyna', 'Liam', 'Maya', 'Niall', 'Olu', 'Priya', 'Quentin', 'Rosa', 'Sanjay', 'Tomasz', 'Una', 'Victor', 'Wendy', 'Xin', 'Yusuf', 'Zara'];
const LAST = ['Adams', 'Begum', 'Clarke', 'Davies', 'Evans', 'Fraser', 'Green', 'Hughes', 'Iqbal', 'Jones', 'Khan', 'Lewis', 'Morgan', 'Nowak', 'Okafor', 'Patel', 'Quinn', 'Roberts', 'Singh', 'Taylor', 'Usman', 'Walsh', 'Young'];
const DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example.co.uk', 'post.example.com', 'inbox.example.org'];

interface Topic {
  subjects: string[];
  facts: string[];
}

const TOPICS: Topic[] = [
  {
    subjects: ['Broadband keeps dropping', 'No internet for a week', 'Broadband outage not fixed', 'Internet connection down again'],
    facts: [
      'My broadband has dropped out every evening since the 3rd of this month.',
      'The internet connection has been down completely for six days now.',
      'The router shows a red light and the line test on your website says there is a fault.',
      'I work from home and have lost two days of work because the connection keeps failing.',
      'An engineer was promised for Tuesday between 8am and 1pm but nobody came.',
    ],
  },
  {
    subjects: ['Wrong amount on my bill', 'Overcharged on my account', 'Billing error on account', 'Charged twice this month'],
    facts: [
      'My latest bill is £84.20 when my contract price is £32 a month.',
      'I have been charged twice for the same month by direct debit.',
      'There are roaming charges on my bill although I have not left the country.',
      'The price went up by 14% without the notice my contract says you must give.',
      'I was promised a £25 credit on the phone last month and it has not appeared.',
    ],
  },
  {
    subjects: ['Engineer did not turn up', 'Missed engineer appointment', 'Second missed appointment'],
    facts: [
      'I took a day off work for the engineer visit and nobody arrived or called.',
      'This is the second appointment in a row that has been missed without warning.',
      'Your text message said the engineer was on the way, then the job was marked as completed.',
      'I was told on the phone that there is no record of the booking at all.',
    ],
  },
  {
    subjects: ['Cancellation not processed', 'Still billed after cancelling', 'Cannot cancel my contract'],
    facts: [
      'I cancelled my contract on the phone and received a confirmation email, but I am still being billed.',
      'My minimum term ended in June and I gave thirty days notice in writing.',
      'Your agent refused to cancel and transferred me three times before the call dropped.',
      'You have now passed my account to a debt collection agency for a bill I do not owe.',
    ],
  },
  {
    subjects: ['Mobile signal gone', 'No service on my mobile', 'Number transfer failed'],
    facts: [
      'My mobile has shown no service at home for three weeks.',
      'My number was supposed to move across on Friday and I have been without a working phone since.',
      'The coverage checker says my postcode has good 4G coverage, which is not true.',
      'I rely on my mobile for work calls and have missed several important ones.',
    ],
  },
  {
    subjects: ['Poor customer service', 'Rude call centre agent', 'Complaint about how I was treated'],
    facts: [
      'The agent I spoke to on Monday was rude and hung up on me.',
      'I have called four times and been promised a call back each time, and nobody has called.',
      'Every time I call I have to explain the whole problem again from the start.',
      'I waited on hold for over an hour before the line went dead.',
    ],
  },
];

const CONTEXT = [
  'My account number is {acct}.',
  'I have been a customer for {years} years and have never had to complain before.',
  'I have already raised this through the online chat twice.',
  'I have kept copies of my bills and the emails you sent me.',
  'My neighbours with the same service are not affected.',
];

const ASKS = [
  'Please fix this and refund the charges for the time the service was not working.',
  'I would like a full refund of the overcharge and an apology.',
  'Please arrange for someone to call me back this week.',
  'I want this resolved without any more phone calls from me.',
  'Please confirm in writing what you will do and by when.',
];

const CLOSINGS = ['Kind regards', 'Regards', 'Thanks', 'Many thanks', 'Best wishes', 'Yours sincerely'];

export function makeComplaint(rng: Rng, index: number, date: Date): Complaint {
  const first = rng.pick(FIRST);
  const last = rng.pick(LAST);
  const domain = rng.pick(DOMAINS);
  const address = `${first}.${last}.${index}@${domain}`.toLowerCase();
  const topic = rng.pick(TOPICS);
  const sentences = pickDistinct(rng, topic.facts, rng.int(1, 3));
  if (rng.chance(0.6)) sentences.push(fill(rng.pick(CONTEXT), rng));
  sentences.push(rng.pick(ASKS));
  while (sentences.length < 3) sentences.push(fill(rng.pick(CONTEXT), rng));
  const signature = `${rng.pick(CLOSINGS)},\n${first} ${last}${rng.chance(0.2) ? '\n\nSent from my phone' : ''}`;
  return {
    from: { name: `${first} ${last}`, address },
    subject: rng.pick(topic.subjects),
    body: `Hello,\n\n${sentences.slice(0, 6).join(' ')}\n\n${signature}\n`,
    messageId: `${index.toString(36)}.${Math.floor(rng.next() * 2 ** 48).toString(36)}@${domain}`,
    date,
    html: rng.chance(0.25),
  };
}

function pickDistinct(rng: Rng, items: readonly string[], n: number): string[] {
  const pool = [...items];
  const out: string[] = [];
  while (out.length < n && pool.length > 0) out.push(pool.splice(rng.int(0, pool.length - 1), 1)[0]!);
  return out;
}

function fill(template: string, rng: Rng): string {
  return template.replace('{acct}', String(rng.int(10_000_000, 99_999_999))).replace('{years}', String(rng.int(2, 15)));
}

export interface RawMail {
  from: { name: string; address: string };
  to: string;
  subject: string;
  body: string;
  messageId: string;
  date: Date;
  html?: boolean;
  inReplyTo?: string;
  references?: string[];
}

/** RFC 5322 text with CRLF line ends; 8bit UTF-8, and a multipart/alternative HTML twin when asked. */
export function rawMail(m: RawMail): Buffer {
  const head = [
    `From: ${m.from.name} <${m.from.address}>`,
    `To: ${m.to}`,
    `Subject: ${m.subject}`,
    `Date: ${rfc2822(m.date)}`,
    `Message-ID: <${m.messageId}>`,
    ...(m.inReplyTo ? [`In-Reply-To: <${m.inReplyTo}>`] : []),
    ...(m.references?.length ? [`References: ${m.references.map((r) => `<${r}>`).join(' ')}`] : []),
    'MIME-Version: 1.0',
  ];
  const text = m.body.replace(/\r?\n/g, '\r\n');
  if (!m.html) {
    return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', text, ''].join('\r\n'), 'utf8');
  }
  const boundary = `=_alt_${m.messageId.replace(/[^a-z0-9]/gi, '').slice(0, 24)}`;
  const html = `<html><body>${m.body
    .trim()
    .split(/\n{2,}/)
    .map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`)
    .join('')}</body></html>`;
  return Buffer.from(
    [
      ...head,
      `Content-Type: multipart/alternative; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      text,
      `--${boundary}`,
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      html,
      `--${boundary}--`,
      '',
    ].join('\r\n'),
    'utf8',
  );
}

export function complaintRaw(c: Complaint): Buffer {
  return rawMail({ from: c.from, to: COMPLAINTS_ADDRESS, subject: c.subject, body: c.body, messageId: c.messageId, date: c.date, html: c.html });
}

const CONFIRMATIONS = ['Yes, resolved, thank you. You can close it.', 'Yes, resolved, thank you. Please close the complaint.', 'Yes, this is resolved now, thank you. You can close it.'];
const NOT_RESOLVED = ['No, this is not resolved. The line is still dead.', 'No, this is not resolved. I am still being charged.', 'No, this is not resolved. Nothing has changed.'];

/** A customer's answer to our outcome, threaded by In-Reply-To/References and quoting it. */
export function customerAnswer(
  rng: Rng,
  a: { verdict: 'confirm' | 'not_resolved'; from: { name: string; address: string }; outcome: { messageId: string; subject: string; sentAt: Date; text: string }; replyTo: string; date: Date; index: number },
): Buffer {
  const first = rng.pick(a.verdict === 'confirm' ? CONFIRMATIONS : NOT_RESOLVED);
  const quoted = a.outcome.text
    .split('\n')
    .slice(0, 8)
    .map((l) => `> ${l}`)
    .join('\n');
  const body = `${first}\n\n${a.from.name.split(' ')[0]}\n\nOn ${rfc2822(a.outcome.sentAt)}, Redress Telecom <${COMPLAINTS_ADDRESS}> wrote:\n${quoted}\n`;
  return rawMail({
    from: a.from,
    to: a.replyTo,
    subject: a.outcome.subject.startsWith('Re:') ? a.outcome.subject : `Re: ${a.outcome.subject}`,
    body,
    messageId: `reply.${a.index.toString(36)}.${Math.floor(rng.next() * 2 ** 48).toString(36)}@${a.from.address.split('@')[1]}`,
    date: a.date,
    inReplyTo: a.outcome.messageId,
    references: [a.outcome.messageId],
  });
}

const OUTCOMES = [
  'We found a fault at the exchange, fixed it on the day of your complaint, and refunded two weeks of line rental.',
  'We have corrected the bill, refunded the overcharge of the last two months and added a £20 goodwill credit.',
  'The cancellation has now been processed from the date you first asked, the later charges are refunded and the debt collection referral is withdrawn.',
  'We have replaced the faulty equipment, booked a confirmed engineer visit and credited your account for the missed appointments.',
];
const NOTES = ['Waiting for the network team to confirm the repair date.', 'Refund approved; finance will pay it in the next run.', 'Engineering found a card fault at the cabinet; a replacement is ordered.', 'Call recordings requested to check what the agent promised.'];
const REPLIES = ['Thank you for your patience; we are still looking into this and will write again within five working days.', 'Could you tell us the dates on which the service was not working?'];

export const staffText = {
  outcome: (rng: Rng) => rng.pick(OUTCOMES),
  note: (rng: Rng) => rng.pick(NOTES),
  reply: (rng: Rng) => rng.pick(REPLIES),
};

function rfc2822(d: Date): string {
  return d.toUTCString().replace('GMT', '+0000');
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
