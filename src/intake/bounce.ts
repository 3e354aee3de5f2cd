import type { Address, DeliveryReport } from './types.ts';

/** What bounce detection and DSN extraction look at; a ParsedMessage has all of it. */
export interface BounceView {
  from?: Address;
  subject: string;
  headers: Record<string, string[]>;
  contentType: string;
  reportType?: string;
  text: string;
}

export interface BouncePart {
  contentType: string;
  /** The first decoded bytes of the part (at least 256 KiB when it is longer). */
  head: Buffer;
}

const DAEMON_LOCAL = /^(mailer-daemon|mailerdaemon|mail-daemon|mail\.delivery\.system|mdaemon)$/i;
const DAEMON_NAME = /^(mail delivery (subsystem|system|service)|mailer-daemon|mail administrator)$/i;
/** The postmaster is a person too (RFC 5321 4.5.1): a sign of a bounce only beside another. */
const POSTMASTER_LOCAL = /^post[-_.]?master$/i;
const POSTMASTER_NAME = /^(postmaster|post office)$/i;
const BOUNCE_SUBJECT = new RegExp(
  [
    '^undeliver(ed|able)\\b',
    '^delivery status notification \\((failure|delay|delayed)\\)',
    '^(mail )?delivery (has )?fail(ed|ure)',
    '^delivery notification: delivery has failed',
    '^message delivery has failed',
    '^message not delivered',
    '^returned mail\\b',
    '^failure notice$',
    '^mail system error',
    '^non[- ]?delivery (report|notification)',
    '^(warning: )?(could not send message|message delayed|delayed mail)',
    '^delayed mail',
    '^(mail|message) could not be delivered',
    '^postmaster notify',
    '^email delivery error',
    '^\\W*message you sent blocked',
  ].join('|'),
  'i',
);
const PERMANENT = /\b(permanent (error|failure)|failed permanently|permanently)\b/i;
const DELAY = /\b(delay(ed)?|will be retried|still being retried|could not send message for past|warning)\b/i;
const BOUNCE_BODY_START =
  /^\s*(this message was created automatically by mail delivery software|hi\. this is the qmail-send program|this is the mail system at host|your message did not reach some or all of the intended recipients|delivery to the following recipients? failed)/i;

/** Why this message is a delivery failure report (strong evidence only); empty when it is not. */
export function bounceEvidence(msg: BounceView, hasStatusPart: boolean): string[] {
  const reasons: string[] = [];
  if (msg.contentType === 'multipart/report' && msg.reportType === 'delivery-status') reasons.push('report-type: delivery-status');
  else if (hasStatusPart) reasons.push('message/delivery-status part');
  const sender = daemonSender(msg.from);
  const from = `from: ${msg.from?.address || msg.from?.name}`;
  if (sender === 'daemon') reasons.push(from);
  // A customer may title a complaint "Delivery failed" (a router that never came): the subject
  // counts only beside machine signs, a null sender, Auto-Submitted, or mail-system wording.
  if (BOUNCE_SUBJECT.test(msg.subject.trim()) && (reasons.length > 0 || sender === 'postmaster' || machineSigns(msg))) reasons.push('subject: delivery failure');
  if (first(msg.headers, 'x-failed-recipients')) reasons.push('x-failed-recipients');
  if (BOUNCE_BODY_START.test(msg.text.slice(0, 400))) reasons.push('body: delivery software notice');
  if (sender === 'postmaster' && (reasons.length > 0 || machineSigns(msg))) reasons.push(from);
  return reasons;
}

const MAIL_SYSTEM_TEXT =
  /\b([45]\.\d{1,3}\.\d{1,3}|[45]\d\d[ -][a-z0-9<]|smtp|mail server|mail system|user unknown|recipient address|no such (user|recipient|mailbox)|mailbox (full|unavailable|not found)|returned to sender|(your|the) (message|e-?mail) (was not|wasn't|could not be|couldn't be|has not been) delivered)/i;

function machineSigns(msg: BounceView): boolean {
  const submitted = first(msg.headers, 'auto-submitted')?.trim().toLowerCase();
  return hasNullSender(msg.headers) || (submitted !== undefined && !submitted.startsWith('no')) || MAIL_SYSTEM_TEXT.test(msg.text.slice(0, 5000));
}

/** Null envelope sender (`Return-Path: <>`): weak evidence, also used by auto-replies and receipts. */
export function hasNullSender(headers: Record<string, string[]>): boolean {
  return ['return-path', 'envelope-from'].some((name) => (headers[name] ?? []).some((v) => /^\s*<\s*>\s*$/.test(v)));
}

function daemonSender(from: Address | undefined): 'daemon' | 'postmaster' | undefined {
  if (!from) return undefined;
  const local = from.address.split('@')[0] ?? '';
  const name = (from.name ?? '').trim();
  if (DAEMON_LOCAL.test(local) || DAEMON_NAME.test(name)) return 'daemon';
  return POSTMASTER_LOCAL.test(local) || POSTMASTER_NAME.test(name) ? 'postmaster' : undefined;
}

/**
 * The DSN details: from a message/delivery-status part when there is one (RFC 3464), else a
 * best-effort reading of the text of an Exim, qmail, Postfix, sendmail, Gmail or Domino notice.
 */
export function extractDeliveryReport(msg: BounceView, parts: BouncePart[], ownMessageId?: string): DeliveryReport {
  const fromStatus = parts
    .filter((p) => /^message\/(global-)?delivery-status$/.test(p.contentType))
    .map((p) => parseDeliveryStatus(p.head.subarray(0, 256 * 1024).toString('utf8')))
    .find((r) => r.failedRecipients.length > 0);
  const report = fromStatus ?? parseTextBounce(msg);
  const originalMessageId = returnedMessageId(parts, msg.text, ownMessageId);
  return originalMessageId === undefined ? report : { ...report, originalMessageId };
}

interface RecipientStatus {
  original?: string;
  recipient?: string;
  action?: string;
  status?: string;
  diagnostic?: string;
}

/** RFC 3464 fields, per recipient. Tolerates a missing blank line between the groups. */
export function parseDeliveryStatus(body: string): DeliveryReport {
  const recipients: RecipientStatus[] = [];
  let current: RecipientStatus | null = null;
  for (const group of body.split(/\r?\n[ \t]*\r?\n/)) {
    current = null; // each blank-line group is one recipient (or the per-message fields)
    for (const [name, value] of headerFields(group)) {
      if (name === 'final-recipient' || name === 'original-recipient') {
        const key = name === 'final-recipient' ? 'recipient' : 'original';
        // Without blank lines between recipients, a repeated field starts the next one.
        if (!current || current[key] !== undefined) recipients.push((current = {}));
        current[key] = recipientAddress(value);
      } else if (current && name === 'action') current.action = value.trim().toLowerCase().split(/\s/)[0];
      else if (current && name === 'status') current.status = value.trim().split(/\s/)[0];
      else if (current && name === 'diagnostic-code') current.diagnostic = value.replace(/^[^;]*;/, '').trim().slice(0, 1000);
    }
  }
  const failed = recipients.filter((r) => r.action === undefined || /^(failed|delayed)$/.test(r.action));
  const main = failed[0] ?? recipients[0];
  return {
    failedRecipients: unique(failed.map((r) => r.recipient ?? r.original).filter(isAddress)),
    status: main?.status,
    action: main?.action,
    diagnostic: main?.diagnostic,
    permanent: isPermanent(main?.action, main?.status, undefined),
  };
}

/** "rfc822; <User@Example.com>" -> "user@example.com" */
function recipientAddress(value: string): string {
  return value.replace(/^[^;]*;/, '').trim().replace(/^<|>$/g, '').toLowerCase();
}

function isPermanent(action: string | undefined, status: string | undefined, text: string | undefined): boolean {
  if (action === 'delayed' || action === 'relayed' || action === 'delivered' || action === 'expanded') return false;
  if (action === 'failed') return true;
  if (status?.startsWith('4')) return false;
  if (status?.startsWith('5')) return true;
  if (text === undefined || PERMANENT.test(text)) return true;
  return !DELAY.test(text);
}

const LIST_INTRO =
  /(following address(es)?( failed)?|following recipients?( failed)?[^:]{0,40}|following addresses had (permanent )?(fatal errors|delivery problems)|was not delivered to|could not be delivered to|wasn't able to deliver your message to the following addresses|delivery to the following recipients? failed[^:]{0,20}|failed to deliver to the following)\s*:?[\s-]*$/i;
const ADDRESS = /[a-z0-9._%+!#$&'*/=?^`{|}~-]{1,64}@[a-z0-9.-]{1,253}\.[a-z]{2,63}/i;
const ANGLE_RECIPIENT = /^\s*<([^<>\s]{1,200}@[^<>\s]{1,200})>:/;
const SMTP_RECIPIENT = /^\s*[45]\d\d[ -]<([^<>\s]{1,200}@[^<>\s]{1,200})>/;
const NOT_DELIVERED_TO =
  /(delivered to|delivering your (?:mail|message) to|target (?:mail )?address:|recipient address:|failed recipient:)\s*<?([^<>\s:;,]{1,200}@[^<>\s,;]{1,200})/i;
const STATUS_CODE = /\b([45]\.\d{1,3}\.\d{1,3})\b/;
const SMTP_LINE = /(^|\s)([45]\d\d)[ -]\S/;

/** Best effort for bounces that are not RFC 3464: recipients, status and diagnostic from the text. */
export function parseTextBounce(msg: BounceView): DeliveryReport {
  const text = msg.text.slice(0, 200_000);
  const lines = text.split(/\r?\n/).map((l) => l.slice(0, 1000));
  const recipients = [...headerAddresses(msg.headers['x-failed-recipients'] ?? []), ...listedRecipients(lines)];
  const status = STATUS_CODE.exec(text)?.[1];
  const diagnosticLine =
    lines.find((l) => /^\s*[45]\d\d[ -]/.test(l)) ?? lines.find((l) => SMTP_LINE.test(l) && !/^\s*(>>>|<<<)/.test(l)) ?? lines.find((l) => STATUS_CODE.test(l));
  return {
    failedRecipients: unique(recipients),
    status,
    diagnostic: diagnosticLine?.trim().slice(0, 1000),
    permanent: isPermanent(undefined, status, `${msg.subject}\n${text.slice(0, 2000)}`),
  };
}

function listedRecipients(lines: string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const angle = ANGLE_RECIPIENT.exec(line) ?? SMTP_RECIPIENT.exec(line);
    if (angle?.[1]) found.push(angle[1]);
    const notDelivered = NOT_DELIVERED_TO.exec(line);
    if (notDelivered?.[2]) found.push(notDelivered[2]);
    if (LIST_INTRO.test(line)) found.push(...addressesAfter(lines, i + 1));
  }
  return found.map((a) => a.toLowerCase().replace(/[.:]+$/, '')).filter(isAddress);
}

/** The indented list under "The following address(es) failed:", up to the first blank line after it. */
function addressesAfter(lines: string[], from: number): string[] {
  const out: string[] = [];
  for (let j = from; j < Math.min(lines.length, from + 12); j++) {
    const line = lines[j] ?? '';
    if (line.trim() === '') {
      if (out.length > 0) break;
      continue;
    }
    const match = ADDRESS.exec(line);
    if (match && /^\s/.test(line)) out.push(match[0]);
    else if (match && out.length === 0 && j === from) out.push(match[0]);
  }
  return out;
}

/** Message-ID of the message that bounced: from the returned message or headers, else quoted in the text. */
function returnedMessageId(parts: BouncePart[], text: string, ownMessageId?: string): string | undefined {
  const returned = parts.filter((p) => /^(message\/(rfc822|global)|text\/rfc822-headers|message\/global-headers)$/.test(p.contentType));
  for (const part of returned) {
    const head = part.head.subarray(0, 256 * 1024).toString('utf8');
    const id = headerFields(head.split(/\r?\n\r?\n/)[0] ?? '').find(([name]) => name === 'message-id')?.[1];
    const clean = id === undefined ? undefined : cleanMessageId(id);
    if (clean) return clean;
  }
  const quoted = /^[ \t>]*message-id:[ \t]*(?:\r?\n[ \t]+)?<?([^<>\s]{1,500})>?/gim;
  for (const match of text.slice(0, 200_000).matchAll(quoted)) {
    const clean = cleanMessageId(match[1] ?? '');
    if (clean && clean !== ownMessageId) return clean;
  }
  return undefined;
}

export function cleanMessageId(value: string): string | undefined {
  const bracketed = /<([^<>]{1,900})>/.exec(value);
  const id = (bracketed?.[1] ?? value).trim();
  return id === '' || /\s/.test(id) || id.length > 900 ? undefined : id;
}

/** Header-style "Name: value" fields with folding, in order. Lower-cased names. */
export function headerFields(block: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const line of block.split(/\r?\n/)) {
    const last = fields[fields.length - 1];
    if (/^[ \t]/.test(line) && last && line.trim() !== '') last[1] += ` ${line.trim()}`;
    else {
      const colon = line.indexOf(':');
      if (colon > 0 && colon < 80 && /^[!-9;-~]+$/.test(line.slice(0, colon))) {
        fields.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
      }
    }
  }
  return fields;
}

function headerAddresses(values: string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,;]+/)).map((a) => a.replace(/^<|>$/g, '').toLowerCase()).filter(isAddress);
}

function isAddress(value: string | undefined): value is string {
  return value !== undefined && /^[^@\s]+@[^@\s]+$/.test(value);
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

function first(headers: Record<string, string[]>, name: string): string | undefined {
  return headers[name]?.[0];
}
