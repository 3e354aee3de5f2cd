import { createHash } from 'node:crypto';
import libmime from 'libmime';
import { simpleParser } from 'mailparser';
import type { AddressObject, Attachment, EmailAddress, HeaderLines, ParsedMail, StructuredHeader } from 'mailparser';
import { bounceEvidence, cleanMessageId, extractDeliveryReport } from './bounce.ts';
import { stripQuotedHistory } from './quotes.ts';
import { htmlToPlainText, sanitizeEmailHtml } from './sanitize.ts';
import type { Address, IntakeLimits, ParsedAttachment, ParsedMessage, ParseResult } from './types.ts';

const DEFAULT_TIMEOUT_MS = 30_000;
/** HTML longer than this is turned into text by a coarse linear pass instead of html-to-text. */
const MAX_HTML_TO_TEXT = 2_000_000;

/**
 * Raw bytes -> ParsedMessage. Never throws, never waits forever: anything that cannot be parsed,
 * or breaks a size, header or nesting limit, is `{ ok: false, reason }` with an identity the
 * caller can still store it under. Size, header and depth limits are checked on the raw bytes
 * first, so a hostile message never reaches mailparser.
 */
export async function parseMessage(raw: Buffer, limits: IntakeLimits): Promise<ParseResult> {
  const rawSha256 = sha256(raw);
  let messageId: string | undefined;
  try {
    const pre = precheck(raw, limits);
    messageId = headerMessageId(pre.header);
    if (pre.breaches.length > 0) return failure(raw, rawSha256, `over limits: ${pre.breaches.join('; ')}`, pre.breaches, messageId);
    if (!/^[!-9;-~]{1,200}:/m.test(pre.header)) return failure(raw, rawSha256, 'no header fields: not an RFC 5322 message', [], messageId);
    const mail = await withTimeout(
      simpleParser(pre.source, {
        keepCidLinks: true,
        skipImageLinks: true,
        skipTextToHtml: true,
        skipTextLinks: true,
        keepDeliveryStatus: true,
        ignoreEmbedded: pre.isReport,
        checksumAlgo: 'sha256',
        maxHtmlLengthToParse: MAX_HTML_TO_TEXT,
        // mailsplit counts each header line as at least 64 bytes, so a header block within our byte
        // limit (checked above) can cost up to 16 times its size there.
        maxHeadSize: Math.max(16 * limits.maxHeaderBytes, 1024 * 1024),
      }),
      limits.parseTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    return { ok: true, message: toParsedMessage(mail, raw, rawSha256, limits) };
  } catch (err) {
    return failure(raw, rawSha256, `unparseable: ${err instanceof Error ? err.message : String(err)}`.slice(0, 500), [], messageId);
  }
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
  /** The bytes to parse: CR-only line ends turned into CRLF. */
  source: Buffer;
  isReport: boolean;
}

function precheck(raw: Buffer, limits: IntakeLimits): Precheck {
  const breaches: string[] = [];
  if (raw.length > limits.maxMessageBytes) breaches.push(`size: ${raw.length} > ${limits.maxMessageBytes} bytes`);
  const window = raw.subarray(0, limits.maxHeaderBytes + 4).toString('latin1');
  const crOnly = !window.includes('\n') && window.includes('\r');
  const headerEnd = findHeaderEnd(crOnly ? window.replace(/\r/g, '\n') : window);
  if (headerEnd === -1 && raw.length > limits.maxHeaderBytes) breaches.push(`header: more than ${limits.maxHeaderBytes} bytes`);
  const header = window.slice(0, headerEnd === -1 ? limits.maxHeaderBytes : headerEnd);
  if (breaches.length > 0) return { breaches, header, source: raw, isReport: false };
  const text = raw.toString('latin1');
  const normalised = crOnly ? text.replace(/\r(?!\n)/g, '\r\n') : text;
  const depth = mimeDepth(normalised, limits.maxMimeDepth);
  if (depth > limits.maxMimeDepth) breaches.push(`mime depth: ${depth} > ${limits.maxMimeDepth}`);
  const isReport = /^content-type:[ \t]*multipart\/report/im.test(header);
  return { breaches, header, source: crOnly ? Buffer.from(normalised, 'latin1') : raw, isReport };
}

function findHeaderEnd(text: string): number {
  const lf = text.indexOf('\n\n');
  const crlf = text.indexOf('\r\n\r\n');
  const ends = [lf, crlf].filter((i) => i >= 0);
  return ends.length === 0 ? -1 : Math.min(...ends);
}

/**
 * How deeply multipart and message/rfc822 containers nest, counted on the raw text by following
 * boundaries; linear, and stops as soon as it passes `max`.
 */
export function mimeDepth(text: string, max: number): number {
  const stack: Array<string | null> = [];
  let inHeader = true;
  let header = '';
  let deepest = 0;
  for (let pos = 0; pos <= text.length; ) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = text.length;
    const line = text.slice(pos, text[end - 1] === '\r' ? end - 1 : end);
    pos = end + 1;
    const boundary = line.startsWith('--') ? matchBoundary(stack, line) : null;
    if (boundary) {
      stack.length = boundary.closes ? boundary.index : boundary.index + 1;
      inHeader = !boundary.closes;
      header = '';
    } else if (inHeader && line === '') {
      inHeader = false;
      const container = containerOf(header);
      header = '';
      if (container !== undefined) {
        stack.push(container);
        deepest = Math.max(deepest, stack.length);
        if (deepest > max) return deepest;
        inHeader = container === null; // a message/rfc822 body starts with its own header
      }
    } else if (inHeader && header.length < 65_536) {
      header += /^[ \t]/.test(line) ? ` ${line.trim()}` : `\n${line}`;
    }
  }
  return deepest;
}

function matchBoundary(stack: Array<string | null>, line: string): { index: number; closes: boolean } | null {
  for (let i = stack.length - 1; i >= 0; i--) {
    const b = stack[i];
    if (!b || !line.startsWith(`--${b}`)) continue;
    const rest = line.slice(2 + b.length).trimEnd();
    if (rest === '--') return { index: i, closes: true };
    if (rest === '') return { index: i, closes: false };
  }
  return null;
}

/** A multipart's boundary, null for an embedded message, undefined for a leaf part. */
function containerOf(header: string): string | null | undefined {
  const ct = /\ncontent-type:[ \t]*([^;\s]+)([^\n]*)/i.exec(header);
  const type = ct?.[1]?.toLowerCase() ?? 'text/plain';
  if (type.startsWith('multipart/')) {
    const b = /boundary[ \t]*=[ \t]*(?:"([^"]{1,200})"|([^\s;]{1,200}))/i.exec(ct?.[2] ?? '');
    return b ? (b[1] ?? b[2] ?? undefined) : undefined;
  }
  return /^message\/(rfc822|global|news)$/.test(type) ? null : undefined;
}

function headerMessageId(header: string): string | undefined {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const value = /^message-id:[ \t]*(.*)$/im.exec(unfolded)?.[1];
  return value === undefined ? undefined : cleanMessageId(value);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`parser gave no result within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------- mailparser -> ParsedMessage

function toParsedMessage(mail: ParsedMail, raw: Buffer, rawSha256: string, limits: IntakeLimits): ParsedMessage {
  const { headers, headerLines } = decodeHeaders(mail.headerLines);
  const messageId = mail.messageId ? cleanMessageId(mail.messageId) : undefined;
  const contentTypeHeader = mail.headers.get('content-type') as StructuredHeader | undefined;
  const contentType = contentTypeHeader?.value?.toLowerCase() || 'text/plain';
  const reportType = contentType === 'multipart/report' ? contentTypeHeader?.params['report-type']?.toLowerCase() : undefined;
  const text = plainText(mail);
  const all = mail.attachments.map(toAttachment);
  const limitBreaches = all.length > limits.maxAttachments ? [`attachments: ${all.length} > ${limits.maxAttachments}`] : [];
  const from = addressesOf(mail.from, true)[0];
  const subject = (mail.subject ?? headers['subject']?.[0] ?? '').replace(/[\r\n]+/g, ' ').trim();
  const view = { from, subject, headers, contentType, reportType, text };
  const hasStatusPart = all.some((a) => /^message\/(global-)?delivery-status$/.test(a.contentType));
  const isBounce = bounceEvidence(view, hasStatusPart).length > 0;
  const html = typeof mail.html === 'string' && mail.html.trim() !== '' ? mail.html : undefined;
  const inReplyTo = messageIds(headers['in-reply-to'] ?? [])[0];
  return {
    identity: messageId ? `mid:${messageId}` : `sha256:${rawSha256}`,
    messageId,
    rawSha256,
    size: raw.length,
    from,
    replyTo: addressesOf(mail.replyTo),
    to: addressesOf(mail.to),
    cc: addressesOf(mail.cc),
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

function plainText(mail: ParsedMail): string {
  const text = mail.text ?? '';
  if (text.trim() === '' && mail.textConversionError && typeof mail.html === 'string') return htmlToPlainText(mail.html);
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

function toAttachment(a: Attachment): ParsedAttachment {
  const content = Buffer.isBuffer(a.content) ? a.content : Buffer.alloc(0);
  return {
    ...(a.filename ? { filename: a.filename } : {}),
    contentType: (a.contentType || 'application/octet-stream').toLowerCase(),
    size: a.size ?? content.length,
    sha256: a.checksum || sha256(content),
    ...(a.cid ? { contentId: a.cid } : {}),
    inline: a.contentDisposition === 'inline' || a.related === true,
    content,
  };
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
