import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/intake/parse.ts';
import { stripQuotedHistory } from '../../src/intake/quotes.ts';
import { testConfig } from '../helpers/test-config.ts';

const corpusDir = testConfig.corpusDir;
const limits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };

describe('stripQuotedHistory: only what the sender wrote counts (POLICY: a reply is judged on its new text)', () => {
  it('cuts a Gmail "On ... wrote:" header wrapped over two lines and the quote below it', () => {
    const text = [
      'It is still broken.',
      '',
      'On Tue, 3 Mar 2026 at 09:00, Redress Complaints <',
      'complaints+abcdefghijklmnop@redress.test> wrote:',
      '',
      '> We consider your complaint resolved.',
    ].join('\n');
    expect(stripQuotedHistory(text)).toBe('It is still broken.');
  });

  it('cuts an Outlook "-----Original Message-----" block', () => {
    const text = 'Thanks.\r\n\r\n-----Original Message-----\r\nFrom: Redress <c@redress.test>\r\nSent: 03 March 2026 09:00\r\nTo: Jane\r\nSubject: Outcome\r\n\r\nResolved?';
    expect(stripQuotedHistory(text)).toBe('Thanks.');
  });

  it('cuts an Outlook "From: ... Sent: ..." header block without a separator line', () => {
    const text = 'Not happy at all.\n\nFrom: Redress Complaints <complaints@redress.test>\nSent: Friday, March 6, 2026 4:00 PM\nTo: Jane Doe <jane@example.com>\nSubject: Outcome\n\nWe consider it resolved.';
    expect(stripQuotedHistory(text)).toBe('Not happy at all.');
  });

  it('cuts at the Outlook web "________________________________" separator', () => {
    const text = 'Please close it.\n\n________________________________\nFrom: Redress Complaints\nSent: 06 March 2026 16:00\nTo: Jane\nSubject: Outcome\n\nIf this is not resolved, tell us.';
    expect(stripQuotedHistory(text)).toBe('Please close it.');
  });

  it('keeps a customer\'s own "From: ... To: ..." dates, which are not a quoted header', () => {
    const text = 'My line was dead\nFrom: 1 March\nTo: 9 March\nand nobody came.';
    expect(stripQuotedHistory(text)).toBe(text);
  });

  it('drops ">" quoted lines, including interleaved ones', () => {
    const text = '> Is the fault fixed?\nNo.\n> Can we close the case?\nNo, please do not.';
    expect(stripQuotedHistory(text)).toBe('No.\nNo, please do not.');
  });

  it('handles Apple Mail / iPhone: "Sent from my iPhone" and "On 6 Mar 2026, at 16:00, X wrote:"', () => {
    const text = 'Yes, resolved, thank you.\n\nSent from my iPhone\n\nOn 6 Mar 2026, at 16:00, Redress Complaints <complaints@redress.test> wrote:\n\n> Dear Jane';
    expect(stripQuotedHistory(text)).toBe('Yes, resolved, thank you.');
  });

  it('removes a "-- " signature', () => {
    expect(stripQuotedHistory('My bill is wrong.\n\n-- \nSam Taylor\n07700 900123\n')).toBe('My bill is wrong.');
  });

  it('keeps a long block after "--": a divider in the text, not a signature', () => {
    const body = Array.from({ length: 20 }, (_, i) => `line ${i}`).join('\n');
    expect(stripQuotedHistory(`Intro\n--\n${body}`)).toBe(`Intro\n--\n${body}`);
  });

  it('keeps bottom-posted text written under the quote', () => {
    expect(stripQuotedHistory('On 04/02/2012 06:26 PM, Megan One wrote:\n> Hi\nHello')).toBe('Hello');
  });

  it('handles German Thunderbird "Am ..., schrieb Name:"', () => {
    expect(stripQuotedHistory('Danke!\n\nAm 07.05.2012 08:10, schrieb Martin:\n> Hallo')).toBe('Danke!');
  });

  it('keeps a forwarded message whole: what is forwarded is the complaint', () => {
    const text = 'See below.\n\n---------- Forwarded message ---------\nFrom: Jane <jane@example.com>\nDate: Mon, 2 Mar 2026\nSubject: My bill\n\nI was overcharged.';
    expect(stripQuotedHistory(text)).toBe(text);
  });

  it('returns nothing new for a bare quoted Outlook block', () => {
    expect(stripQuotedHistory('From: A <a@example.com>\nSent: Monday\nSubject: x\n\nold text')).toBe('');
  });

  it('stays linear on hostile text (no catastrophic backtracking)', () => {
    const hostile = ['\n'.repeat(200_000), 'On , '.repeat(40_000), 'Op schreef\n'.repeat(20_000), `From: ${'a '.repeat(100_000)}`, '>'.repeat(200_000)];
    const started = performance.now();
    for (const text of hostile) stripQuotedHistory(text);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('stripQuotedHistory on the talon reply fixtures of the corpus', () => {
  const newText = async (file: string) => {
    const result = await parseMessage(readFileSync(`${corpusDir}dev/${file}`), limits);
    if (!result.ok) throw new Error(result.reason);
    return result.message.newText;
  };

  it.each([
    ['talon__aol.eml', 'Hello'],
    ['talon__apple_mail.eml', 'Hello'],
    ['talon__comcast.eml', 'Hello'],
    ['talon__thunderbird.eml', 'Hello'],
  ])('%s keeps only the reply', async (file, expected) => {
    expect((await newText(file)).trim()).toBe(expected);
  });

  it('talon__reply-quotations-share-block.eml drops the "--- On ... wrote:" block', async () => {
    const text = await newText('talon__reply-quotations-share-block.eml');
    expect(text).toMatch(/^Hi Katharine\./);
    expect(text).toMatch(/Joe XXX$/);
    expect(text).not.toMatch(/New Booking Inquiry|wrote:/);
  });
});
