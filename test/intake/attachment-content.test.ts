import { createHash, createCipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { attachmentContent, attachmentContents } from '../../src/intake/attachment-content.ts';
import { ATTACHMENT_HEAD_BYTES, parseMessage } from '../../src/intake/parse.ts';
import type { IntakeLimits, ParsedMessage } from '../../src/intake/types.ts';

const limits: IntakeLimits = { maxMessageBytes: 25 * 1024 * 1024, maxAttachments: 50, maxHeaderBytes: 256 * 1024, maxMimeDepth: 20 };
const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Incompressible, repeatable bytes, as a PDF or photo would be. */
function bytes(size: number, seed: string): Buffer {
  return createCipheriv('aes-128-ctr', createHash('sha256').update(seed).digest().subarray(0, 16), Buffer.alloc(16)).update(Buffer.alloc(size));
}

const base64Lines = (b: Buffer) => b.toString('base64').replace(/.{76}/g, '$&\r\n');

function multipart(boundary: string, parts: string[], head = ['From: Pat <pat@example.com>', 'To: complaints@redress.test', 'Subject: my bill', 'Message-ID: <m1@example.com>']): Buffer {
  return Buffer.from([...head, 'MIME-Version: 1.0', `Content-Type: multipart/mixed; boundary="${boundary}"`, '', ...parts.map((p) => `--${boundary}\r\n${p}`), `--${boundary}--`, ''].join('\r\n'), 'latin1');
}

const textPart = 'Content-Type: text/plain; charset=utf-8\r\n\r\nI was charged twice for March; the statement is attached.';
const base64Part = (name: string, b: Buffer, type = 'application/pdf') => `Content-Type: ${type}; name="${name}"\r\nContent-Disposition: attachment; filename="${name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(b)}`;

async function parsed(raw: Buffer): Promise<ParsedMessage> {
  const result = await parseMessage(raw, limits);
  if (!result.ok) throw new Error(`expected ok, got ${result.reason}`);
  return result.message;
}

describe('attachments are references into the raw message, decoded on demand', () => {
  it('a 6 MiB attachment is kept as its part id, digest, size and first 256 KiB, and decodes back byte-identical', async () => {
    const pdf = bytes(6 * 1024 * 1024, 'statement');
    const raw = multipart('b1', [textPart, base64Part('statement.pdf', pdf)]);
    const msg = await parsed(raw);
    expect(msg.attachments).toHaveLength(1);
    const [a] = msg.attachments;
    expect(a).toMatchObject({ partId: '2', filename: 'statement.pdf', contentType: 'application/pdf', size: pdf.length, sha256: sha256(pdf), inline: false });
    expect(a!.head.length).toBe(ATTACHMENT_HEAD_BYTES);
    expect(a!.head.equals(pdf.subarray(0, ATTACHMENT_HEAD_BYTES))).toBe(true);
    const back = await attachmentContent(raw, { partId: a!.partId, sha256: a!.sha256 });
    expect(back.equals(pdf)).toBe(true);
  });

  it('finds several attachments by their parts in one pass, nested and quoted-printable ones too', async () => {
    const photo = bytes(300_000, 'photo');
    const letter = 'Dear Sir,\r\nI wish to complain =E2=80=94 twice charged.\r\n';
    const inner = ['Content-Type: multipart/mixed; boundary="inner"', '', '--inner', base64Part('photo.jpg', photo, 'image/jpeg'), '--inner', 'Content-Type: text/plain; name="letter.txt"\r\nContent-Disposition: attachment; filename="letter.txt"\r\nContent-Transfer-Encoding: quoted-printable\r\n', letter, '--inner--'].join('\r\n');
    const raw = multipart('outer', [textPart, inner, base64Part('tiny.bin', Buffer.from([0, 1, 2, 255]), 'application/octet-stream')]);
    const msg = await parsed(raw);
    expect(msg.attachments.map((a) => [a.partId, a.filename, a.size])).toEqual([
      ['2.1', 'photo.jpg', photo.length],
      ['2.2', 'letter.txt', Buffer.byteLength('Dear Sir,\r\nI wish to complain — twice charged.\r\n')],
      ['3', 'tiny.bin', 4],
    ]);
    const contents = await attachmentContents(raw, msg.attachments.map((a) => ({ partId: a.partId, sha256: a.sha256 })));
    expect(contents[0]!.equals(photo)).toBe(true);
    expect(contents[1]!.toString('utf8')).toBe('Dear Sir,\r\nI wish to complain — twice charged.\r\n');
    expect([...contents[2]!]).toEqual([0, 1, 2, 255]);
  });

  it('a message that is one attachment, not multipart, has it as part 1', async () => {
    const pdf = bytes(2000, 'single');
    const raw = Buffer.from(['From: pat@example.com', 'Subject: scan', 'Content-Type: application/pdf; name="scan.pdf"', 'Content-Disposition: attachment; filename="scan.pdf"', 'Content-Transfer-Encoding: base64', '', base64Lines(pdf), ''].join('\r\n'));
    const [a] = (await parsed(raw)).attachments;
    expect(a).toMatchObject({ partId: '1', filename: 'scan.pdf', size: 2000, sha256: sha256(pdf) });
    expect((await attachmentContent(raw, { partId: '1', sha256: a!.sha256 })).equals(pdf)).toBe(true);
  });

  it('CR-only line ends (old Mac mail) are read the same way at intake and when the attachment is read back', async () => {
    const doc = bytes(5000, 'mac');
    const raw = Buffer.from(multipart('m', [textPart, base64Part('doc.pdf', doc)]).toString('latin1').replace(/\r\n/g, '\r'), 'latin1');
    const msg = await parsed(raw);
    expect(msg.subject).toBe('my bill');
    const [a] = msg.attachments;
    expect(a).toMatchObject({ partId: '2', size: 5000, sha256: sha256(doc) });
    expect((await attachmentContent(raw, { partId: '2', sha256: a!.sha256 })).equals(doc)).toBe(true);
  });

  it('the returned message of a bounce (kept whole, not parsed into the report) reads back as it was', async () => {
    const raw = readFileSync(new URL('../fixtures/eml/bounce-dsn.eml', import.meta.url));
    const msg = await parsed(raw);
    expect(msg.deliveryReport).toMatchObject({ failedRecipients: ['jane.doe@example.com'], originalMessageId: 'out-1@redress.test' });
    const kept = msg.attachments.find((a) => a.contentType === 'message/rfc822')!;
    expect(kept.partId).toBe('3');
    const text = raw.toString('latin1');
    const start = text.indexOf('\n\n', text.indexOf('Content-Type: message/rfc822')) + 2;
    const returned = text.slice(start, text.indexOf('\n--dsn-boundary-1--')); // the line break before a boundary is the boundary's
    expect(returned).toMatch(/^From: Redress Complaints[\s\S]*CMP-2026-000042\/abcdefghijklmnop\n$/);
    expect((await attachmentContent(raw, { partId: kept.partId, sha256: kept.sha256 })).toString('latin1')).toBe(returned);
  });

  it('refuses to return bytes that are not the ones recorded: a wrong part or digest is not_found', async () => {
    const raw = multipart('b', [textPart, base64Part('a.pdf', bytes(100, 'a'))]);
    const [a] = (await parsed(raw)).attachments;
    await expect(attachmentContent(raw, { partId: '3', sha256: a!.sha256 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(attachmentContent(raw, { partId: '2', sha256: sha256('something else') })).rejects.toMatchObject({ code: 'not_found' });
  });
});
