import { forwardedHeaderStart } from './quotes.ts';
import type { Address, ParsedMessage } from './types.ts';

/**
 * The customer's message inside a staff member's forward (`#open`): who wrote it, what they
 * wrote, and when it reached staff. Pure and line-based: the forward parsers on npm
 * backtrack for seconds to minutes on a long line of spaces (email-forward-parser took
 * 108 s on 50 KB), and the forwarded text is the customer's, so it may be hostile. Every
 * pattern here runs on one line cut to MAX_LINE, with bounded quantifiers.
 */
export interface ForwardedOriginal {
  from: Address;
  subject: string;
  /** What the customer wrote. */
  text: string;
  /** When it reached staff as the forward tells it; undefined when it does not. */
  gotAt?: Date;
  /** Where `gotAt` was read: the attached message's delivery stamp or Date, or the forwarded Date/Sent line. */
  gotFrom?: 'received' | 'date' | 'forwarded-date';
  how: 'attached' | 'inline';
}

/** The instant of a wall time in the business time zone (the calendar's `atLocal`). */
export type LocalTime = (date: string, time: string) => Date;

const MAX_LINE = 500;
const MAX_HEADER_LINES = 30;
const FIELD = /^[ \t>]{0,20}\*?(from|sent|date|subject|to|cc|reply-to)\*?[ \t]{0,5}:\*?[ \t]*(.*)$/i;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** The original of a forward: the attached message when there is one, else the inline block; undefined when neither names a sender. */
export function forwardedOriginal(forward: ParsedMessage, attached: ParsedMessage | undefined, local: LocalTime): ForwardedOriginal | undefined {
  return attached ? attachedOriginal(attached) : inlineOriginal(forward, local);
}

function attachedOriginal(m: ParsedMessage): ForwardedOriginal | undefined {
  if (!m.from || !isAddress(m.from.address)) return undefined;
  // The topmost Received field is the stamp of the server that delivered it to the staff member.
  const stamp = receivedStamp(m.headers['received']?.[0]);
  const got = stamp ? { gotAt: stamp, gotFrom: 'received' as const } : m.date ? { gotAt: m.date, gotFrom: 'date' as const } : {};
  return { from: m.from, subject: m.subject, text: m.newText.trim() !== '' ? m.newText : m.text, ...got, how: 'attached' };
}

function inlineOriginal(forward: ParsedMessage, local: LocalTime): ForwardedOriginal | undefined {
  const lines = forward.text.replace(/\r\n?/g, '\n').split('\n');
  const start = forwardedHeaderStart(forward.text);
  if (start === null) return undefined;
  // A line of nothing but quote marks (">") is as blank as an empty one.
  const blank = (n: number) => (lines[n] ?? '').slice(0, MAX_LINE).replace(/^[ \t>]+/, '').trim() === '';
  let i = start;
  while (i < lines.length && blank(i)) i++;
  const fields = new Map<string, string>();
  let last: string | undefined;
  for (const end = Math.min(lines.length, i + MAX_HEADER_LINES); i < end; i++) {
    if (blank(i)) break;
    const line = (lines[i] ?? '').slice(0, MAX_LINE);
    const m = FIELD.exec(line);
    if (m) {
      last = m[1]!.toLowerCase();
      if (!fields.has(last)) fields.set(last, m[2]!.trim());
    } else if (last) {
      fields.set(last, `${fields.get(last)} ${line.replace(/^[ \t>]+/, '').trim()}`); // a wrapped To: or Subject:
    } else {
      return undefined;
    }
  }
  const from = mailbox(fields.get('from') ?? '');
  if (!from) return undefined;
  const gotAt = forwardedDate(fields.get('date') ?? fields.get('sent') ?? '', local);
  return {
    from,
    subject: fields.get('subject') ?? forward.subject.replace(/^(?:\s*(?:fwd?|fw)\s*:)+\s*/i, ''),
    text: unquote(lines.slice(i + 1)),
    ...(gotAt ? { gotAt, gotFrom: 'forwarded-date' as const } : {}),
    how: 'inline',
  };
}

/** "Alice Smith <alice@example.com>", "Alice Smith [mailto:alice@example.com]" or a bare address. */
export function mailbox(value: string): Address | undefined {
  const v = value.slice(0, MAX_LINE);
  const m =
    /<([^<>\s]{1,200}@[^<>\s]{1,200})>/.exec(v) ?? /\[mailto:([^\]\s]{1,200}@[^\]\s]{1,200})\]/i.exec(v) ?? /(?:^|[\s"'(])([^\s<>"'()[\],;:]{1,200}@[^\s<>"'()[\],;:]{1,200})/.exec(v);
  const address = m?.[1]?.toLowerCase().replace(/\.$/, '');
  if (!address || !isAddress(address)) return undefined;
  const name = v
    .slice(0, m!.index)
    .trim()
    .replace(/^["']+|["']+$/g, '')
    .trim();
  return { address, ...(name && name.toLowerCase() !== address ? { name } : {}) };
}

/**
 * A forwarded Date/Sent line as mail clients write it: "Fri, Sep 4, 2026 at 4:55 PM" (Gmail),
 * "Friday, September 4, 2026 4:55 PM" (Outlook), "4 September 2026 at 16:55:00 BST" (Apple
 * Mail), "Fri, 4 Sep 2026 16:55:00 +0100" (Thunderbird). A numeric offset, GMT or UTC is
 * honoured; without one (or with a zone name), it is the business time zone's wall time.
 */
export function forwardedDate(value: string, local: LocalTime): Date | undefined {
  const cleaned = value
    .slice(0, 200)
    .toLowerCase()
    .replace(/,/g, ' ')
    .replace(/\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]{0,6}\.?(?=\s|$)/g, ' ')
    .replace(/\bat\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  const m = /^(?:(\d{1,2}) ([a-z]{3,9})\.?|([a-z]{3,9})\.? (\d{1,2})) (\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([ap])\.?m\.?)?(?: (?:([+-])(\d{2}):?(\d{2})|(gmt|utc|z))(?=\s|$))?/.exec(cleaned);
  if (!m) return undefined;
  const month = MONTHS.indexOf((m[2] ?? m[3] ?? '').slice(0, 3)) + 1;
  const day = Number(m[1] ?? m[4]);
  const [year, minute, second] = [Number(m[5]), Number(m[7]), Number(m[8] ?? 0)];
  const hour = twentyFour(Number(m[6]), m[9]);
  if (month === 0 || hour === undefined || minute > 59 || second > 59 || !realDate(year, month, day)) return undefined;
  if (m[10] || m[13]) {
    const offset = m[10] ? (m[10] === '-' ? -1 : 1) * (Number(m[11]) * 60 + Number(m[12])) : 0;
    return new Date(Date.UTC(year, month - 1, day, hour, minute, second) - offset * 60_000);
  }
  return local(`${year}-${pad(month)}-${pad(day)}`, `${pad(hour)}:${pad(minute)}:${pad(second)}`);
}

function twentyFour(hour: number, meridiem: string | undefined): number | undefined {
  if (meridiem === undefined) return hour <= 23 ? hour : undefined;
  if (hour < 1 || hour > 12) return undefined;
  return (hour % 12) + (meridiem === 'p' ? 12 : 0);
}

function realDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return year >= 1970 && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The date after the last ';' of a Received field (RFC 5322 date-time with its zone). */
function receivedStamp(received: string | undefined): Date | undefined {
  const value = received?.slice(received.lastIndexOf(';') + 1).trim() ?? '';
  if (!/\d{1,2}:\d{2}/.test(value) || !/\b\d{4}\b/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** The forwarded body; a block quoted line by line ("> ") loses its quote marks. */
function unquote(lines: string[]): string {
  const written = lines.filter((l) => l.trim() !== '');
  const quoted = written.length > 0 && written.every((l) => /^[ \t]*>/.test(l));
  return (quoted ? lines.map((l) => l.replace(/^[ \t]*> ?/, '')) : lines).join('\n').trim();
}

function isAddress(address: string): boolean {
  return /^[^@\s]{1,200}@[^@\s.]{1,200}(?:\.[^@\s.]{1,200})+$/.test(address);
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
