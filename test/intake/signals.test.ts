import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/intake/parse.ts';
import { detectSignals } from '../../src/intake/signals.ts';
import type { ParsedMessage } from '../../src/intake/types.ts';

const limits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };
const MIN_WORDS = 8;

async function parse(raw: string | Buffer): Promise<ParsedMessage> {
  const result = await parseMessage(Buffer.isBuffer(raw) ? raw : Buffer.from(raw), limits);
  if (!result.ok) throw new Error(result.reason);
  return result.message;
}

const fixture = (name: string) => parse(readFileSync(new URL(`../fixtures/eml/${name}`, import.meta.url)));
const email = (body: string, subject = 'My account') =>
  parse(`From: Customer <customer@example.com>\r\nTo: complaints@redress.test\r\nSubject: ${subject}\r\n\r\n${body}`);

describe('detectSignals: priority referral (R8)', () => {
  it('flags a vulnerable, urgent complaint with significant harm, with evidence for staff', async () => {
    const signals = detectSignals(await fixture('vulnerable-complaint.eml'), MIN_WORDS);
    expect(signals).toMatchObject({ vulnerable: true, urgent: true, harm: true, technical: true, missingFacts: false });
    expect(signals.evidence).toEqual(
      expect.arrayContaining([expect.stringMatching(/^vulnerable: "/), expect.stringMatching(/^urgent: "/), 'harm: "can\'t call 999"']),
    );
  });

  it('flags an elderly person left without a phone line as urgent even without the word "urgent"', async () => {
    const signals = detectSignals(await email('My father is 89 and has had no phone line for a week, he lives on his own.'), MIN_WORDS);
    expect(signals.vulnerable).toBe(true);
    expect(signals.urgent).toBe(true);
  });

  it('does not raise urgency from a negation ("not urgent")', async () => {
    const signals = detectSignals(await email('This is not urgent, but my last two bills were higher than the price I agreed.'), MIN_WORDS);
    expect(signals.urgent).toBe(false);
    expect(signals.evidence).toEqual([]);
  });

  it('recognises financial harm and debt collectors', async () => {
    const signals = detectSignals(await email('Because of your billing error a debt collector is now chasing me and I am in financial hardship.'), MIN_WORDS);
    expect(signals.harm).toBe(true);
  });

  it('only reads what the customer wrote, not our quoted letter', async () => {
    const body = 'Thanks for your reply, I will wait for the refund to arrive.\r\n\r\nOn Tue, 3 Mar 2026 at 09:00, Redress <complaints@redress.test> wrote:\r\n> If you are vulnerable or it is urgent, call us.\r\n';
    const signals = detectSignals(await email(body), MIN_WORDS);
    expect(signals.vulnerable).toBe(false);
    expect(signals.urgent).toBe(false);
  });
});

describe('detectSignals: technical escalation (R6)', () => {
  it.each([
    'We have had no signal at home for ten days now and nobody has fixed the mast.',
    'My calls keep dropping and the internet is down every evening since the upgrade.',
    'Your engineer said there is a line fault but nothing has happened for two weeks.',
    'I asked to port my number to you a month ago and the number is not working.',
  ])('flags "%s" as technical', async (body) => {
    expect(detectSignals(await email(body), MIN_WORDS).technical).toBe(true);
  });

  it('does not flag a billing complaint as technical', async () => {
    expect(detectSignals(await email('You charged me twice for the same month and refused a refund on the phone.'), MIN_WORDS).technical).toBe(false);
  });

  it.each([
    ['No phone line for a week', 'Landline'],
    ['It has been dead for a week and nobody has come out.', 'Phone line'],
    ['Since the storm on Tuesday the landline is dead.', 'Complaint'],
  ])('R6 missed plain phrasings: "%s" is technical', async (body, subject) => {
    expect(detectSignals(await email(body, subject), MIN_WORDS).technical).toBe(true);
  });

  it.each([
    'Your engineer did not turn up for the installation appointment on Tuesday. I waited in all day.',
    'I was told a new router would be posted free, but I was charged 50 pounds for it.',
    'The engineer was rude to my wife and left mud all over the carpet.',
  ])('R6 false alarm on "engineer" and "router": "%s" is not technical', async (body) => {
    expect(detectSignals(await email(body), MIN_WORDS).technical).toBe(false);
  });
});

describe('detectSignals: regressions', () => {
  it('a negation at the end of the subject does not carry into the body ("No phone" / "I am 84")', async () => {
    const signals = detectSignals(await email('I am 84 and on my own, and being without a phone since Sunday leaves me frightened.', 'No phone'), MIN_WORDS);
    expect(signals).toMatchObject({ vulnerable: true, urgent: true, technical: true });
  });

  it('"notify the sender immediately" in a confidentiality footer is not urgency (R8)', async () => {
    const body = 'You applied a late payment fee although my payment reached you on time.\n\nThis email is confidential. If you have received it in error please notify the sender immediately.';
    const signals = detectSignals(await email(body), MIN_WORDS);
    expect(signals.urgent).toBe(false);
    expect(signals.evidence).toEqual([]);
  });

  it('"a stroke of luck" is not a vulnerable customer (R8)', async () => {
    expect(detectSignals(await email('It was a stroke of luck that I checked my bill: you added insurance I never asked for.'), MIN_WORDS).vulnerable).toBe(false);
  });

  it('a message saying it is composed in HTML does not ask for HTML replies (R10)', async () => {
    expect(detectSignals(await email('This mail is composed in HTML format by my program. You took two payments in April.'), MIN_WORDS).preferredFormat).toBe('text');
  });

  it('a short message that names the fault has its facts (R2): "Broadband down since Monday."', async () => {
    expect(detectSignals(await email('Broadband down since Monday.'), MIN_WORDS)).toMatchObject({ technical: true, missingFacts: false });
  });

  it('a text attachment is read, not taken on trust: one holding a key only is missing facts (R2)', async () => {
    const raw = [
      'From: c@example.com',
      'Subject: keys',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: text/plain',
      '',
      'Send',
      '--m',
      'Content-Type: text/plain; name="id_rsa.pub"',
      'Content-Disposition: attachment; filename="id_rsa.pub"',
      '',
      `ssh-rsa ${'A'.repeat(200)} me@host`,
      '--m--',
    ].join('\r\n');
    expect(detectSignals(await parse(raw), MIN_WORDS).missingFacts).toBe(true);
  });

  it('a link alone is not facts (R2)', async () => {
    expect(detectSignals(await email(`https://example.com/${'x'.repeat(300)}?a=1&b=2 see this`), MIN_WORDS).missingFacts).toBe(true);
  });
});

describe('detectSignals: third parties (R9)', () => {
  it('records the customer a representative writes for, with their address', async () => {
    const signals = detectSignals(await fixture('third-party-complaint.eml'), MIN_WORDS);
    expect(signals.thirdParty).toEqual({ customerName: 'Mrs Jean Brown', customerEmail: 'jean.brown@example.net' });
  });

  it('recognises a carer writing for someone', async () => {
    const signals = detectSignals(await email('I am the carer of John Smith, who is deaf, and his text relay service has stopped working.'), MIN_WORDS);
    expect(signals.thirdParty).toEqual({ customerName: 'John Smith' });
    expect(signals.vulnerable).toBe(true);
  });

  it('records the customer an advocate acts for by title and name', async () => {
    const signals = detectSignals(await email('I am an advocate from Age UK acting for Mrs Rose Hill, who is 92. She was charged for calls she never made.'), MIN_WORDS);
    expect(signals.thirdParty).toEqual({ customerName: 'Mrs Rose Hill' });
  });

  it('has no third party when the customer writes for themselves', async () => {
    expect(detectSignals(await fixture('complaint-plain.eml'), MIN_WORDS).thirdParty).toBeUndefined();
  });
});

describe('detectSignals: missing facts (R2)', () => {
  it('flags an empty body with only an unreadable attachment', async () => {
    const signals = detectSignals(await fixture('empty-complaint.eml'), MIN_WORDS);
    expect(signals.missingFacts).toBe(true);
    expect(signals.evidence).toContain('missing facts: 0 words, 1 unreadable attachment(s)');
  });

  it('flags a few words', async () => {
    expect(detectSignals(await email('Bad service. Fix it.'), MIN_WORDS).missingFacts).toBe(true);
  });

  it('does not flag a few words with a readable document attached', async () => {
    const raw = [
      'From: c@example.com',
      'Subject: complaint',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: text/plain',
      '',
      'See attached.',
      '--m',
      'Content-Type: application/pdf; name="letter.pdf"',
      'Content-Disposition: attachment; filename="letter.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      'JVBERi0xLjQKJcfsj6IKMSAwIG9iago8PC9UeXBlL0NhdGFsb2c+PgplbmRvYmoK',
      '--m--',
    ].join('\r\n');
    expect(detectSignals(await parse(raw), MIN_WORDS).missingFacts).toBe(false);
  });

  it('does not flag a complaint with the facts in it', async () => {
    expect(detectSignals(await fixture('complaint-plain.eml'), MIN_WORDS).missingFacts).toBe(false);
  });
});

describe('detectSignals: preferred format (R10)', () => {
  it('is "post" when the customer asks for a letter by post', async () => {
    expect(detectSignals(await fixture('third-party-complaint.eml'), MIN_WORDS).preferredFormat).toBe('post');
  });

  it('is "html" only when the customer asks for formatted email', async () => {
    expect(detectSignals(await email('Please reply with an HTML email, my reader shows plain text badly. The bill is wrong.'), MIN_WORDS).preferredFormat).toBe('html');
    expect(detectSignals(await fixture('html-only.eml'), MIN_WORDS).preferredFormat).toBe('text');
  });

  it('is "text" by default and when a letter is refused', async () => {
    expect(detectSignals(await email('Please do not send a letter by post, email is fine. My bill is wrong again this month.'), MIN_WORDS).preferredFormat).toBe('text');
  });
});
