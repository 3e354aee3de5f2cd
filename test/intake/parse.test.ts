import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMessage } from '../../src/intake/parse.ts';
import { mimeDepth } from '../../src/intake/raw-mime.ts';
import type { IntakeLimits, ParsedMessage } from '../../src/intake/types.ts';

const limits: IntakeLimits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };
const fixture = (name: string) => readFileSync(new URL(`../fixtures/eml/${name}`, import.meta.url));

async function parsed(raw: Buffer | string, l: IntakeLimits = limits): Promise<ParsedMessage> {
  const result = await parseMessage(Buffer.isBuffer(raw) ? raw : Buffer.from(raw), l);
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}`);
  return result.message;
}

describe('parseMessage: every field of a plain complaint', () => {
  it('fills identity, addresses, subject, date, text and headers (R18: every inbound message is recorded)', async () => {
    const raw = fixture('complaint-plain.eml');
    const msg = await parsed(raw);
    expect(msg.identity).toBe('mid:CAF1x9+complaint-plain@mail.example.org');
    expect(msg.messageId).toBe('CAF1x9+complaint-plain@mail.example.org');
    expect(msg.rawSha256).toBe(createHash('sha256').update(raw).digest('hex'));
    expect(msg.size).toBe(raw.length);
    expect(msg.from).toEqual({ address: 'sam.taylor@example.org', name: 'Sam Taylor' });
    expect(msg.to).toEqual([{ address: 'complaints@redress.test', name: 'Redress Complaints' }]);
    expect(msg.cc).toEqual([]);
    expect(msg.replyTo).toEqual([]);
    expect(msg.deliveredTo).toEqual(['complaints@redress.test']);
    expect(msg.subject).toBe('Complaint about my broadband');
    expect(msg.date?.toISOString()).toBe('2026-03-02T09:13:58.000Z');
    expect(msg.contentType).toBe('text/plain');
    expect(msg.reportType).toBeUndefined();
    expect(msg.text).toContain('My broadband has been down since 24 February');
    expect(msg.newText).not.toContain('07700 900123');
    expect(msg.newText.endsWith('Sam Taylor')).toBe(true);
    expect(msg.htmlSanitized).toBeUndefined();
    expect(msg.headers['received']?.[0]).toContain('by mx.redress.test');
    expect(msg.headers['message-id']).toEqual(['<CAF1x9+complaint-plain@mail.example.org>']);
    expect(msg.limitBreaches).toEqual([]);
  });

  it('keeps In-Reply-To without brackets and References oldest first (threading by our Message-IDs)', async () => {
    const msg = await parsed(fixture('reply-outlook.eml'));
    expect(msg.inReplyTo).toBe('out-1@redress.test');
    expect(msg.references).toEqual(['out-0@redress.test', 'out-1@redress.test']);
    expect(msg.deliveredTo).toEqual(['complaints+abcdefghijklmnop@redress.test']);
  });

  it('uses sha256 of the raw bytes as identity when there is no Message-ID', async () => {
    const raw = Buffer.from('From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n');
    const msg = await parsed(raw);
    expect(msg.identity).toBe(`sha256:${createHash('sha256').update(raw).digest('hex')}`);
    expect(msg.messageId).toBeUndefined();
  });

  it('decodes RFC 2047 headers and reads Delivered-To, X-Original-To and Envelope-To', async () => {
    const msg = await parsed(
      [
        'Delivered-To: Complaints+ABCDEFGHIJKLMNOP@redress.test',
        'X-Original-To: complaints@redress.test',
        'Envelope-To: other@redress.test',
        'From: =?UTF-8?Q?Zo=C3=AB_M=C3=BCller?= <ZOE@Example.COM>',
        'To: a@redress.test, Group: b@redress.test, c@redress.test;',
        'Cc: D@Example.com',
        'Reply-To: zoe.reply@example.com',
        'Subject: =?UTF-8?B?UsOpY2xhbWF0aW9u?=',
        'Message-ID:   <  spaced@example.com  >',
        'Date: not a date at all',
        '',
        'Body',
      ].join('\r\n'),
    );
    expect(msg.from).toEqual({ address: 'zoe@example.com', name: 'Zoë Müller' });
    expect(msg.to.map((a) => a.address)).toEqual(['a@redress.test', 'b@redress.test', 'c@redress.test']);
    expect(msg.cc).toEqual([{ address: 'd@example.com' }]);
    expect(msg.replyTo).toEqual([{ address: 'zoe.reply@example.com' }]);
    expect(msg.subject).toBe('Réclamation');
    expect(msg.headers['from']).toEqual(['Zoë Müller <ZOE@Example.COM>']);
    expect(msg.deliveredTo).toEqual(['complaints+abcdefghijklmnop@redress.test', 'complaints@redress.test', 'other@redress.test']);
    expect(msg.messageId).toBe('spaced@example.com');
    // An unreadable Date is absent, never "now" (pure core: no clock).
    expect(msg.date).toBeUndefined();
  });

  it('treats hostile header names such as "__proto__" as plain headers', async () => {
    const msg = await parsed('From: a@example.com\r\n__proto__: polluted\r\nConstructor: x\r\nSubject: hi\r\n\r\nbody');
    expect(msg.headers['__proto__']).toEqual(['polluted']);
    expect(msg.headers['constructor']).toEqual(['x']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('parses CR-only line endings (old Mac mail) instead of reading the whole message as one header', async () => {
    const msg = await parsed('From: mac@example.com\rSubject: Classic\rMessage-ID: <cr@example.com>\r\rHello from the past\r');
    expect(msg.subject).toBe('Classic');
    expect(msg.text.trim()).toBe('Hello from the past');
  });
});

describe('parseMessage: HTML is converted to text and sanitised for staff', () => {
  it('derives text from an HTML-only message and strips scripts, styles, handlers and remote images', async () => {
    const msg = await parsed(fixture('html-only.eml'));
    expect(msg.text).toContain('I was charged £45 for calls I never made in February.');
    const html = msg.htmlSanitized ?? '';
    expect(html).toContain('<b>£45</b>');
    expect(html).not.toMatch(/<script|<style|onload|onclick|onmouseover|style=|javascript:|<iframe|tracker\.example/i);
    expect(html).toContain('href="https://billing.example.com/bill/123"');
    expect(html).toMatch(/rel="noopener[^"]*"/);
    expect(html).toContain('src="cid:logo@example.com"');
  });
});

describe('parseMessage: limits are checked on the raw bytes before mailparser sees them', () => {
  it('refuses a message over maxMessageBytes with a clear reason, keeping the Message-ID as identity', async () => {
    const body = 'x'.repeat(76) + '\r\n';
    const raw = Buffer.from(`From: big@example.com\r\nMessage-ID: <big-1@example.com>\r\nSubject: huge\r\n\r\n${body.repeat(14_000)}`);
    const result = await parseMessage(raw, { ...limits, maxMessageBytes: 1_000_000 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.limitBreaches).toEqual([`size: ${raw.length} > 1000000 bytes`]);
    expect(result.reason).toContain('size:');
    expect(result.identity).toBe('mid:big-1@example.com');
    expect(result.size).toBe(raw.length);
  });

  it('refuses a header block over maxHeaderBytes', async () => {
    const raw = Buffer.from(`From: a@example.com\r\n${'X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n'.repeat(200)}\r\nbody`);
    const result = await parseMessage(raw, { ...limits, maxHeaderBytes: 4096 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.limitBreaches).toEqual(['header: more than 4096 bytes']);
    expect(result.identity).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('refuses MIME nesting deeper than maxMimeDepth', async () => {
    let raw = 'From: a@example.com\r\nMessage-ID: <deep@example.com>\r\nContent-Type: multipart/mixed; boundary="b0"\r\n\r\n';
    for (let i = 1; i <= 30; i++) raw += `--b${i - 1}\r\nContent-Type: multipart/mixed; boundary="b${i}"\r\n\r\n`;
    raw += '--b30\r\nContent-Type: text/plain\r\n\r\ndeep\r\n';
    const result = await parseMessage(Buffer.from(raw), limits);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.limitBreaches[0]).toMatch(/^mime depth: 2\d > 20$/);
    expect(result.identity).toBe('mid:deep@example.com');
  });

  it('keeps only the first maxAttachments attachments and records the breach', async () => {
    let raw = 'From: a@example.com\r\nSubject: many\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n';
    for (let i = 0; i < 7; i++) raw += `--b\r\nContent-Type: text/plain; name="f${i}.txt"\r\nContent-Disposition: attachment; filename="f${i}.txt"\r\n\r\nfile ${i}\r\n`;
    raw += '--b--\r\n';
    const msg = await parsed(raw, { ...limits, maxAttachments: 3 });
    expect(msg.limitBreaches).toEqual(['attachments: 7 > 3']);
    expect(msg.attachments.map((a) => a.filename)).toEqual(['f0.txt', 'f1.txt', 'f2.txt']);
    const first = msg.attachments[0];
    expect(first?.partId).toBe('2');
    expect(first?.head.toString()).toBe('file 0');
    expect(first?.sha256).toBe(createHash('sha256').update('file 0').digest('hex'));
    expect(first?.size).toBe(6);
    expect(first?.inline).toBe(false);
  });

  it('counts nesting through embedded messages', () => {
    const nested = [
      'Content-Type: multipart/mixed; boundary="a"',
      '',
      '--a',
      'Content-Type: message/rfc822',
      '',
      'Content-Type: multipart/alternative; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'hi',
      '--b--',
      '--a--',
    ].join('\r\n');
    expect(mimeDepth(Buffer.from(nested), 20)).toBe(3);
    expect(mimeDepth(Buffer.from('Subject: x\r\n\r\nplain'), 20)).toBe(0);
  });
});

describe('parseMessage never throws or hangs', () => {
  it('returns ok:false for input that is not a message at all', async () => {
    const result = await parseMessage(Buffer.alloc(0), limits);
    expect(result).toMatchObject({ ok: false, size: 0 });
    const binary = await parseMessage(Buffer.from([0, 1, 2, 255, 254, 10, 10, 0]), limits);
    expect(binary.ok).toBe(false);
  });

  it('survives truncated, unterminated and pseudo-random messages', async () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const base = fixture('bounce-dsn.eml');
    const inputs: Buffer[] = [];
    for (let i = 0; i < 60; i++) {
      const cut = base.subarray(0, Math.floor(random() * base.length));
      const noisy = Buffer.from(cut);
      for (let j = 0; j < 20; j++) noisy[Math.floor(random() * noisy.length)] = Math.floor(random() * 256);
      inputs.push(cut, noisy);
    }
    inputs.push(Buffer.from('Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\n--x\r\n--x'));
    inputs.push(Buffer.from('Content-Type: multipart/mixed\r\n\r\nno boundary parameter'));
    for (const raw of inputs) {
      const result = await parseMessage(raw, limits);
      expect(typeof result.ok).toBe('boolean');
      expect(result.ok ? result.message.identity : result.identity).toMatch(/^(mid:|sha256:)/);
    }
  });
});
