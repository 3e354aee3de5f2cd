import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { RedressError } from '../../src/errors.ts';
import { composeMessage, fromStoredContent, outboundSource, plusAddress, stableMessageId, storedContent, type ComposeInput } from '../../src/outbound/compose.ts';

const at = new Date('2026-03-02T10:15:00Z');
const message: ComposeInput = {
  from: { name: 'Redress Telecom Complaints', address: 'complaints@redress.example' },
  to: ['ann@example.com'],
  replyTo: 'complaints+k7x2abcdefgh2345@redress.example',
  subject: "We've received your complaint [CMP-2026-000042]",
  text: 'Dear Ann,\n\nThank you.\n',
  html: '<!DOCTYPE html><html><body><p>Dear Ann,</p><p>Thank you.</p></body></html>',
  messageId: 'redress.0123456789abcdef01234567@redress.example',
  inReplyTo: '<CAF=abc@mail.example.com>',
  references: ['<older@mail.example.com>', 'CAF=abc@mail.example.com'],
  autoSubmitted: 'auto-replied',
  date: at,
  headers: { 'X-Redress-Case': 'CMP-2026-000042' },
};

/** The header block of a raw message, unfolded. */
function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
}

describe('composeMessage', () => {
  it('R18: composes raw RFC 5322 bytes that parse back with the ids, threading headers and date we gave', async () => {
    const parsed = await simpleParser(await composeMessage(message));
    expect(parsed.messageId).toBe('<redress.0123456789abcdef01234567@redress.example>');
    expect(parsed.inReplyTo).toBe('<CAF=abc@mail.example.com>');
    expect(parsed.references).toEqual(['<older@mail.example.com>', '<CAF=abc@mail.example.com>']);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-replied');
    expect(parsed.headers.get('x-redress-case')).toBe('CMP-2026-000042');
    expect(parsed.date?.toISOString()).toBe(at.toISOString());
    expect(parsed.subject).toBe(message.subject);
    expect(parsed.from?.value).toEqual([{ name: 'Redress Telecom Complaints', address: 'complaints@redress.example' }]);
    expect(parsed.replyTo?.value[0]?.address).toBe('complaints+k7x2abcdefgh2345@redress.example');
  });

  it('sends text and HTML as multipart/alternative', async () => {
    const raw = await composeMessage(message);
    expect(headerBlock(raw)).toMatch(/^Content-Type: multipart\/alternative;/im);
    const parsed = await simpleParser(raw);
    expect(parsed.text).toBe('Dear Ann,\n\nThank you.\n');
    expect(parsed.html).toContain('<p>Thank you.</p>');
  });

  it('sends plain text alone when there is no HTML (the customer asked for plain text)', async () => {
    const { html: _html, ...plain } = message;
    const raw = await composeMessage(plain);
    expect(headerBlock(raw)).toMatch(/^Content-Type: text\/plain; charset=utf-8/im);
    expect((await simpleParser(raw)).html).toBe(false);
  });

  it('takes the Date header from the given date, not the clock', async () => {
    const raw = await composeMessage({ ...message, date: new Date('2001-02-03T04:05:06Z') });
    expect(headerBlock(raw)).toMatch(/^Date: Sat, 03 Feb 2001 04:05:06 \+0000$/m);
  });

  it('the same input composes to the same bytes', async () => {
    expect((await composeMessage(message)).equals(await composeMessage(message))).toBe(true);
  });

  it('a hostile subject cannot inject a Bcc or any other header', async () => {
    const raw = await composeMessage({
      ...message,
      subject: 'Hello\r\nBcc: victim@example.com',
      from: { name: 'Complaints\r\nBcc: victim2@example.com', address: 'complaints@redress.example' },
      headers: { 'X-Redress-Case': 'CMP\r\nBcc: victim3@example.com\nX-Evil: 1' },
    });
    const headers = headerBlock(raw);
    expect(headers).not.toMatch(/^Bcc:/im);
    expect(headers).not.toMatch(/^X-Evil:/im);
    const parsed = await simpleParser(raw);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe('Hello Bcc: victim@example.com');
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((a) => a.address) : []).toEqual(['ann@example.com']);
  });

  it.each([
    ['a header break', 'ann@example.com\r\nBcc: victim@example.com'],
    ['a second recipient', 'ann@example.com, victim@example.com'],
    ['a display name', 'Ann <ann@example.com>'],
    ['no domain', 'ann@'],
    ['no @', 'ann.example.com'],
  ])('refuses an address with %s', async (_what, address) => {
    await expect(composeMessage({ ...message, to: [address] })).rejects.toThrow(RedressError);
    await expect(composeMessage({ ...message, cc: [address] })).rejects.toThrow(/cc/);
    await expect(composeMessage({ ...message, replyTo: address })).rejects.toThrow(/replyTo/);
  });

  it('refuses custom headers that would override its own or are not field names', async () => {
    await expect(composeMessage({ ...message, headers: { Bcc: 'victim@example.com' } })).rejects.toThrow(/Bcc is set by composeMessage/);
    await expect(composeMessage({ ...message, headers: { 'X-A\r\nBcc': 'x' } })).rejects.toThrow(/not a valid field name/);
    await expect(composeMessage({ ...message, headers: { 'X:A': 'x' } })).rejects.toThrow(/not a valid field name/);
  });

  it('refuses a Message-ID with angle brackets or spaces, and drops unusable foreign ids', async () => {
    await expect(composeMessage({ ...message, messageId: '<a@b>' })).rejects.toThrow(/messageId/);
    const parsed = await simpleParser(await composeMessage({ ...message, inReplyTo: 'not an id', references: ['a b', 'ok@x.example'] }));
    expect(parsed.inReplyTo).toBeUndefined();
    expect(parsed.references).toBe('<ok@x.example>');
  });

  it('carries attachments with their file name and type', async () => {
    const pdf = Buffer.from('%PDF-1.4 letter');
    const parsed = await simpleParser(
      await composeMessage({ ...message, attachments: [{ filename: 'letter\r\n.pdf', contentType: 'application/pdf', content: pdf }] }),
    );
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]?.filename).toBe('letter .pdf');
    expect(parsed.attachments[0]?.contentType).toBe('application/pdf');
    expect(parsed.attachments[0]?.content.equals(pdf)).toBe(true);
  });

  it('encodes non-ASCII subjects and names', async () => {
    const parsed = await simpleParser(await composeMessage({ ...message, subject: 'Réclamation – £20 refund', from: { name: 'Siân Ó Briain', address: 'complaints@redress.example' } }));
    expect(parsed.subject).toBe('Réclamation – £20 refund');
    expect(parsed.from?.value[0]?.name).toBe('Siân Ó Briain');
  });
});

describe('stableMessageId', () => {
  it('is deterministic for an idempotency key, so a retried send keeps its Message-ID', () => {
    const id = stableMessageId('case:42:ack', 'redress.example');
    expect(id).toMatch(/^redress\.[0-9a-f]{24}@redress\.example$/);
    expect(stableMessageId('case:42:ack', 'Redress.Example')).toBe(id);
    expect(stableMessageId('case:42:progress:1', 'redress.example')).not.toBe(id);
  });

  it('refuses a domain that is not a domain name', () => {
    expect(() => stableMessageId('k', 'redress.example>\r\nBcc: x')).toThrow(RedressError);
  });
});

describe('plusAddress', () => {
  it('puts the case token after a plus in the local part', () => {
    expect(plusAddress('complaints@redress.example', 'k7x2abcdefgh2345')).toBe('complaints+k7x2abcdefgh2345@redress.example');
  });

  it('refuses a token that could break the address', () => {
    expect(() => plusAddress('complaints@redress.example', 'a@b')).toThrow(RedressError);
    expect(() => plusAddress('complaints@redress.example', '')).toThrow(RedressError);
  });
});

describe('stored content (outbound_messages.content)', () => {
  const letter = { ...message, attachments: [{ filename: 'adr-letter.html', contentType: 'text/html', content: Buffer.from('<p>Café £5</p>', 'utf8') }] };

  it('composes after a trip through JSON to the same bytes as at once, attachments included', async () => {
    const stored = JSON.parse(JSON.stringify(storedContent(letter)));
    expect(stored.date).toBe('2026-03-02T10:15:00.000Z');
    expect(Buffer.compare(await composeMessage(fromStoredContent(stored)), await composeMessage(letter))).toBe(0);
    expect(Buffer.compare((await outboundSource({ raw: null, content: stored }))!, await composeMessage(letter))).toBe(0);
  });

  it('a sent message is its stored bytes; one purged of both has no source', async () => {
    expect(await outboundSource({ raw: Buffer.from('sent bytes'), content: storedContent(message) })).toEqual(Buffer.from('sent bytes'));
    expect(await outboundSource({ raw: null, content: null })).toBeNull();
  });

  it('refuses a message that could not be composed when it is planned, not when it is sent', () => {
    expect(() => storedContent({ ...message, to: ['ann@example.com\r\nBcc: eve@example.com'] })).toThrow(/is not a plain email address/);
    expect(() => storedContent({ ...message, headers: { 'Content-Type': 'text/html' } })).toThrow(/set by composeMessage/);
  });
});
