import { createHash } from 'node:crypto';
import libmime from 'libmime';
import type { AddressObject, AttachmentStream, EmailAddress, HeaderLines, StructuredHeader } from 'mailparser';
import { attachmentPartId } from './attachment-content.ts';
import { bounceEvidence, cleanMessageId, extractDeliveryReport } from './bounce.ts';
import { drain, streamMime, structureOptions, type MimeLayout, type StreamedMail } from './mime-stream.ts';
import { stripQuotedHistory } from './quotes.ts';
import { isCrOnly, isReportHeader, mimeDepth, topHeader } from './raw-mime.ts';
import { htmlToPlainText, sanitizeEmailHtml } from './sanitize.ts';
import type { Address, IntakeLimits, ParsedAttachment, ParsedMessage, ParseResult } from './types.ts';

const DEFAULT_TIMEOUT_MS = 30_000;
/** HTML longer than this is turned into text by a coarse linear pass instead of html-to-text. */
const MAX_HTML_TO_TEXT = 2_000_000;
/** Decoded bytes kept of each attachment: what classification reads (the rest stays in the raw message). */
export const ATTACHMENT_HEAD_BYTES = 256 * 1024;

/**
 * Raw bytes -> ParsedMessage. Never throws, never waits forever: anything that cannot be parsed,
 * or breaks a size, header or nesting limit, is `{ ok: false, reason }` with an identity the
 * caller can still store it under. Size, header and depth limits are checked on the raw bytes
 * first, so a hostile message never reaches mailparser. Attachments are streamed: each keeps
 * its part id, digest, size and first ATTACHMENT_HEAD_BYTES, never a decoded copy of the whole
 * (`attachmentContent` decodes one from the raw message when it is needed).
 */
export async function parseMessage(raw: Buffer, limits: IntakeLimits): Promise<ParseResult> {
  const rawSha256 = sha256(raw);
  let messageId: string | undefined;
  try {
    const pre = precheck(raw, limits);
    messageId = headerMessageId(pre.header);
    if (pre.breaches.length > 0) return failure(raw, rawSha256, `over limits: ${pre.breaches.join('; ')}`, pre.breaches, messageId);
    if (!/^[!-9;-~]{1,200}:/m.test(pre.header)) return failure(raw, rawSha256, 'no header fields: not an RFC 5322 message', [], messageId);
    const attachments: ParsedAttachment[] = [];
    const options = {
      ...structureOptions(pre.layout, parserHeadSize(limits)),
      skipImageLinks: true,
      skipTextToHtml: true,
      skipTextLinks: true,
      maxHtmlLengthToParse: MAX_HTML_TO_TEXT,
    };
    const mail = await streamMime(raw, pre.layout, options, (a) => readAttachment(a, attachments), limits.parseTimeoutMs ?? DEFAULT_TIMEOUT_MS);
    return { ok: true, message: toParsedMessage(mail, attachments, raw, rawSha256, limits) };
  } catch (err) {
    return failure(raw, rawSha256, `unparseable: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500), [], messageId);
  }
}

/** mailsplit counts each header line as at least 64 bytes, so a header block within our byte limit (checked first) can cost up to 16 times its size there. */
function parserHeadSize(limits: IntakeLimits): number {
  return Math.max(16 * limits.maxHeaderBytes, 1024 * 1024);
}

function failure(raw: Buffer, rawSha256: string, reason: string, limitBreaches: string[], messageId?: string): ParseResult {
  const identity = messageId ? `mid:${messageId}` : `sha256:${rawSha256}`;
  return { ok: false, identity, rawSha256, size: raw.length, reason, limitBreaches, ...(messageId ? { messageId } : {}) };
}

// ---------------------------------------------------------------- raw checks

interface Precheck {
  breaches: string[];
  /** The top-level header block, latin1-decoded. */
  header: string;
  layout: MimeLayout;
}

function precheck(raw: Buffer, limits: IntakeLimits): Precheck {
  const breaches: string[] = [];
  if (raw.length > limits.maxMessageBytes) breaches.push(`size: ${raw.length} > ${limits.maxMessageBytes} bytes`);
  const crOnly = isCrOnly(raw);
  const { header, complete } = topHeader(raw, crOnly, limits.maxHeaderBytes);
  if (!complete && raw.length > limits.maxHeaderBytes) breaches.push(`header: more than ${limits.maxHeaderBytes} bytes`);
  const layout = { crOnly, isReport: isReportHeader(header) };
  if (breaches.length > 0) return { breaches, header, layout };
  const depth = mimeDepth(raw, limits.maxMimeDepth, crOnly);
  if (depth > limits.maxMimeDepth) breaches.push(`mime depth: ${depth} > ${limits.maxMimeDepth}`);
  return { breaches, header, layout };
}

function headerMessageId(header: string): string | undefined {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const value = /^message-id:[ \t]*(.*)$/im.exec(unfolded)?.[1];
  return value === undefined ? undefined : cleanMessageId(value);
}

/** Keeps an attachment's first bytes for classification; the rest is read past, not kept. */
async function readAttachment(a: AttachmentStream, into: ParsedAttachment[]): Promise<void> {
  const head: Buffer[] = [];
  let kept = 0;
  await drain(a, (chunk) => {
    if (kept >= ATTACHMENT_HEAD_BYTES) return;
    const part = Buffer.from(chunk.subarray(0, ATTACHMENT_HEAD_BYTES - kept)); // a copy: a slice would hold the whole chunk
    head.push(part);
    kept += part.length;
  });
  into.push(toAttachment(a, Buffer.concat(head, kept)));
}

// ---------------------------------------------------------------- mailparser -> ParsedMessage

function toParsedMessage(mail: StreamedMail, all: ParsedAttachment[], raw: Buffer, rawSha256: string, limits: IntakeLimits): ParsedMessage {
  const { headers, headerLines } = decodeHeaders(mail.headerLines);
  const header = <T>(name: string) => mail.headers.get(name) as T | undefined;
  const rawMessageId = header<string>('message-id');
  const messageId = rawMessageId ? cleanMessageId(rawMessageId) : undefined;
  const contentTypeHeader = header<StructuredHeader>('content-type');
  const contentType = contentTypeHeader?.value?.toLowerCase() || 'text/plain';
  const reportType = contentType === 'multipart/report' ? contentTypeHeader?.params['report-type']?.toLowerCase() : undefined;
  const text = plainText(mail);
  const limitBreaches = all.length > limits.maxAttachments ? [`attachments: ${all.length} > ${limits.maxAttachments}`] : [];
  const from = addressesOf(header('from'), true)[0];
  const subject = (header<string>('subject') ?? headers['subject']?.[0] ?? '').replace(/[\r\n]+/g, ' ').trim();
  const view = { from, subject, headers, contentType, reportType, text };
  const hasStatusPart = all.some((a) => /^message\/(global-)?delivery-status$/.test(a.contentType));
  const isBounce = bounceEvidence(view, hasStatusPart).length > 0;
  const html = mail.html !== undefined && mail.html.trim() !== '' ? mail.html : undefined;
  const inReplyTo = messageIds(headers['in-reply-to'] ?? [])[0];
  return {
    identity: messageId ? `mid:${messageId}` : `sha256:${rawSha256}`,
    messageId,
    rawSha256,
    size: raw.length,
    from,
    replyTo: addressesOf(header('reply-to')),
    to: addressesOf(header('to')),
    cc: addressesOf(header('cc')),
    deliveredTo: deliveredTo(headers),
    subject,
    date: parseDate(headers['date']?.[0]),
    inReplyTo,
    references: messageIds(headers['references'] ?? []),
    headers,
    headerLines,
    contentType,
    reportType,
    text,
    newText: stripQuotedHistory(text),
    htmlSanitized: html === undefined ? undefined : sanitizeEmailHtml(html),
    attachments: all.slice(0, limits.maxAttachments),
    deliveryReport: isBounce ? extractDeliveryReport(view, all, messageId) : undefined,
    limitBreaches,
  };
}

function plainText(mail: StreamedMail): string {
  const text = mail.text ?? '';
  if (text.trim() === '' && mail.textConversionError && mail.html !== undefined) return htmlToPlainText(mail.html);
  return text;
}

function decodeHeaders(lines: HeaderLines): Pick<ParsedMessage, 'headers' | 'headerLines'> {
  // No prototype: a header named "__proto__" or "constructor" is just a header.
  const headers = Object.create(null) as Record<string, string[]>;
  const headerLines: ParsedMessage['headerLines'] = [];
  for (const { key, line } of lines) {
    const colon = line.indexOf(':');
    const name = key.toLowerCase();
    const value = decodeWords(line.slice(colon + 1).replace(/\r?\n(?=[ \t])/g, '').trim());
    (headers[name] ??= []).push(value);
    headerLines.push({ name, value });
  }
  return { headers, headerLines };
}

function decodeWords(value: string): string {
  if (!value.includes('=?')) return value;
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

function addressesOf(header: AddressObject | AddressObject[] | undefined, keepNameOnly = false): Address[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const flat = (list: EmailAddress[]): EmailAddress[] => list.flatMap((a) => (a.group ? flat(a.group) : [a]));
  return flat(objects.flatMap((o) => o.value))
    .filter((a) => (a.address ?? '') !== '' || (keepNameOnly && a.name.trim() !== ''))
    .map((a) => ({ address: (a.address ?? '').trim().toLowerCase(), ...(a.name.trim() ? { name: a.name.trim() } : {}) }));
}

const ENVELOPE_ADDRESS = /[^\s<>,;"()]{1,200}@[^\s<>,;"()]{1,255}/g;

function deliveredTo(headers: Record<string, string[]>): string[] {
  const values = ['delivered-to', 'x-original-to', 'envelope-to', 'x-delivered-to'].flatMap((n) => headers[n] ?? []);
  return [...new Set(values.flatMap((v) => v.match(ENVELOPE_ADDRESS) ?? []).map((a) => a.toLowerCase()))];
}

/** Message-IDs in header order (oldest first for References), without brackets, deduplicated. */
function messageIds(values: string[]): string[] {
  const ids = values.flatMap((v) => {
    const bracketed = [...v.matchAll(/<([^<>\s]{1,900})>/g)].map((m) => m[1] ?? '');
    return bracketed.length > 0 ? bracketed : v.split(/[\s,]+/).filter((t) => t.includes('@'));
  });
  return [...new Set(ids.filter((id) => id !== ''))];
}

function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  for (const candidate of [value, value.replace(/\([^()]*\)/g, ' ').trim()]) {
    const ms = Date.parse(candidate);
    const year = Number.isNaN(ms) ? 0 : new Date(ms).getUTCFullYear();
    if (year >= 1900 && year <= 9999) return new Date(ms);
  }
  return undefined;
}

function toAttachment(a: AttachmentStream, head: Buffer): ParsedAttachment {
  return {
    partId: attachmentPartId(a),
    ...(a.filename ? { filename: a.filename } : {}),
    contentType: (a.contentType || 'application/octet-stream').toLowerCase(),
    size: a.size ?? 0,
    sha256: a.checksum ?? '',
    ...(a.cid ? { contentId: a.cid } : {}),
    inline: a.contentDisposition === 'inline' || a.related === true,
    head,
  };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
