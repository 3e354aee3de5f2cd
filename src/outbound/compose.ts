import { createHash } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { RedressError } from '../errors.ts';
import { oneLine } from './render.ts';

export interface ComposeInput {
  from: { name?: string; address: string };
  to: string[];
  cc?: string[];
  replyTo?: string;
  subject: string;
  text: string;
  html?: string;
  /** Without the angle brackets: `redress.0123abcd@example.org`. */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  /** RFC 3834: `auto-replied` for automatic answers to a customer's message, `auto-generated` for the rest. */
  autoSubmitted?: 'auto-replied' | 'auto-generated';
  date: Date;
  headers?: Record<string, string>;
  attachments?: { filename: string; contentType: string; content: Buffer }[];
}

/** MailComposer options @types/nodemailer leaves out. */
type ComposerOptions = Mail.Options & { newline?: 'windows'; baseBoundary?: string };

/** Headers this module sets itself; a caller may not set them through `headers`. */
const RESERVED_HEADERS = new Set([
  'from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'in-reply-to', 'references',
  'auto-submitted', 'mime-version', 'content-type', 'content-transfer-encoding', 'content-disposition', 'return-path',
]);
/** RFC 5322 field name: printable ASCII except the colon. */
const HEADER_NAME = /^[!-9;-~]+$/;
const CONTENT_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;
const MAX_REFERENCES = 20;

/**
 * Builds the raw RFC 5322 message. Pure apart from nodemailer's encoding: the Date header
 * comes from `m.date`, never the wall clock. Every header value is one line, so no field
 * can smuggle in another header (`Subject: Hi\r\nBcc: ...`).
 */
export async function composeMessage(m: ComposeInput): Promise<Buffer> {
  return new MailComposer(composerOptions(m)).compile().build();
}

/** What a message will say, as JSON for `outbound_messages.content`; checked now, so a bad message fails where it is planned, not at the send. */
export function storedContent(m: ComposeInput): StoredContent {
  composerOptions(m);
  return { ...m, date: m.date.toISOString(), attachments: m.attachments?.map((a) => ({ ...a, content: a.content.toString('base64') })) };
}

export function fromStoredContent(s: StoredContent): ComposeInput {
  return { ...s, date: new Date(s.date), attachments: s.attachments?.map((a) => ({ ...a, content: Buffer.from(a.content, 'base64') })) };
}

export type StoredContent = Omit<ComposeInput, 'date' | 'attachments'> & {
  date: string;
  attachments?: { filename: string; contentType: string; content: string }[];
};

/** The bytes of a stored outbound message: those sent, or those the send will compose. */
export async function outboundSource(row: { raw: Buffer | null; content: StoredContent | null }): Promise<Buffer | null> {
  if (row.raw) return row.raw;
  return row.content ? composeMessage(fromStoredContent(row.content)) : null;
}

function composerOptions(m: ComposeInput): ComposerOptions {
  if (Number.isNaN(m.date.getTime())) throw invalid('date is not a valid date');
  if (m.to.length === 0) throw invalid('a message needs at least one "to" address');
  const mail: ComposerOptions = {
    from: { name: oneLine(m.from.name ?? ''), address: checkAddress(m.from.address, 'from') },
    to: m.to.map((a) => checkAddress(a, 'to')),
    subject: oneLine(m.subject),
    text: m.text,
    messageId: `<${checkMessageId(m.messageId)}>`,
    date: m.date,
    headers: customHeaders(m),
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'windows',
    baseBoundary: boundaryFor(m),
  };
  if (m.cc?.length) mail.cc = m.cc.map((a) => checkAddress(a, 'cc'));
  if (m.replyTo) mail.replyTo = checkAddress(m.replyTo, 'replyTo');
  if (m.html !== undefined) mail.html = m.html;
  const inReplyTo = m.inReplyTo === undefined ? undefined : foreignId(m.inReplyTo);
  if (inReplyTo) mail.inReplyTo = `<${inReplyTo}>`;
  const references = trimReferences((m.references ?? []).map(foreignId).filter((id): id is string => id !== undefined));
  if (references.length) mail.references = references.map((id) => `<${id}>`);
  if (m.attachments?.length) mail.attachments = m.attachments.map(attachment);
  return mail;
}

/** The same key always gives the same Message-ID, so a retried send is recognisably the same message. */
export function stableMessageId(idempotencyKey: string, domain: string): string {
  const host = domain.trim().toLowerCase();
  if (!DOMAIN.test(host)) throw invalid(`stableMessageId: "${domain}" is not a domain name`);
  return `redress.${createHash('sha256').update(idempotencyKey).digest('hex').slice(0, 24)}@${host}`;
}

/** `complaints@x` -> `complaints+<token>@x`: replies to that address carry the case token. */
export function plusAddress(address: string, token: string): string {
  const valid = checkAddress(address, 'plusAddress');
  if (!/^[a-z0-9]+$/i.test(token)) throw invalid(`plusAddress: the token must be letters and digits, got ${JSON.stringify(token)}`);
  const at = valid.lastIndexOf('@');
  return `${valid.slice(0, at)}+${token}${valid.slice(at)}`;
}

const LOCAL_PART = /^[^\s@<>()[\]\\,;:"\u0000-\u001f\u007f]+$/u;
const DOMAIN = /^(?=.{1,253}$)[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*$/u;

/** A bare address (`a@b.example`), no display name, nothing that could end a header or add a recipient. */
export function checkAddress(address: string, field: string): string {
  const at = address.lastIndexOf('@');
  const ok = address.length <= 254 && at > 0 && LOCAL_PART.test(address.slice(0, at)) && DOMAIN.test(address.slice(at + 1));
  if (!ok) throw invalid(`${field}: ${JSON.stringify(address.slice(0, 100))} is not a plain email address`);
  return address;
}

const MESSAGE_ID = /^[^\s<>\u0000-\u001f\u007f]+@[^\s<>\u0000-\u001f\u007f]+$/u;

function checkMessageId(id: string): string {
  if (!MESSAGE_ID.test(id)) throw invalid(`messageId must look like local@domain without <>, got ${JSON.stringify(id.slice(0, 100))}`);
  return id;
}

/** An id from someone else's message: strip <>, and drop it when it could not be a Message-ID. */
function foreignId(id: string): string | undefined {
  const bare = id.trim().replace(/^<|>$/g, '');
  return MESSAGE_ID.test(bare) ? bare : undefined;
}

/** Long threads keep the first id and the most recent ones, as mail clients do. */
function trimReferences(ids: string[]): string[] {
  const unique = [...new Set(ids)];
  return unique.length <= MAX_REFERENCES ? unique : [unique[0] as string, ...unique.slice(-(MAX_REFERENCES - 1))];
}

/** Derived from the content, so the same input composes to the same bytes (nodemailer would pick it at random). */
function boundaryFor(m: ComposeInput): string {
  const hash = createHash('sha256').update(m.messageId).update('\0').update(m.text).update('\0').update(m.html ?? '');
  for (const a of m.attachments ?? []) hash.update('\0').update(a.content);
  return hash.digest('hex').slice(0, 16);
}

function customHeaders(m: ComposeInput): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (!HEADER_NAME.test(name)) throw invalid(`header name ${JSON.stringify(name.slice(0, 100))} is not a valid field name`);
    if (RESERVED_HEADERS.has(name.toLowerCase())) throw invalid(`header ${name} is set by composeMessage; use its own field instead`);
    out[name] = oneLine(value);
  }
  if (m.autoSubmitted) out['Auto-Submitted'] = m.autoSubmitted;
  return out;
}

function attachment(a: { filename: string; contentType: string; content: Buffer }): Mail.Attachment {
  if (!CONTENT_TYPE.test(a.contentType)) throw invalid(`attachment content type ${JSON.stringify(a.contentType.slice(0, 100))} must be type/subtype`);
  return { filename: oneLine(a.filename) || 'attachment', contentType: a.contentType, content: a.content };
}

function invalid(message: string): RedressError {
  return new RedressError('invalid_input', message);
}
