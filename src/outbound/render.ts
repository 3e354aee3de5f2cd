import { errorMessage, RedressError } from '../errors.ts';
import { OUTBOUND_KINDS, type CaseMessageData, type DataFor, type OutboundKind, type StaffDigestData } from './message-types.ts';
import type { Part, Templates } from './templates.ts';

/**
 * Rendering is pure: compiled templates and message data in, subject/text/html out. The
 * templates are read and compiled once, at start-up (templates.ts).
 */

export { OUTBOUND_KINDS } from './message-types.ts';
export type * from './message-types.ts';

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

export function renderMessage<K extends OutboundKind>(set: Templates, kind: K, data: DataFor<K>): RenderedMessage {
  const view = kind === 'staff_digest' ? priorityFirst(data as StaffDigestData) : viewOf(data);
  const reference = 'reference' in data ? data.reference : undefined;
  return {
    subject: withReference(oneLine(fill(set, kind, 'subject', view)), reference),
    text: tidyText(fill(set, kind, 'text', view)),
    html: fill(set, kind, 'html', view),
  };
}

/** Collapses every run of whitespace and control characters (CR/LF included) to one space. */
export function oneLine(s: string): string {
  return s.replace(/[\s\u0000-\u001f\u007f\u0085]+/g, ' ').trim();
}

function fill(set: Templates, kind: OutboundKind, part: Part, view: object): string {
  const name = `${kind}.${part}`;
  const template = set.templates.get(name);
  if (!template) throw new RedressError('invalid_input', `no template ${name}.hbs: kind must be one of ${OUTBOUND_KINDS.join(', ')}`);
  try {
    return template(view);
  } catch (err) {
    const missing = /^"([^"]+)" not defined in .*?(?: - (\d+:\d+))?$/s.exec(errorMessage(err));
    const what = missing ? `missing field "${missing[1]}"${missing[2] ? ` (at ${missing[2]})` : ''}` : errorMessage(err);
    throw new RedressError('invalid_input', `template ${name}.hbs: ${what}`, { cause: err, context: { kind, template: `${name}.hbs` } });
  }
}

/**
 * Adds what every template may use besides the data: the footer's threading line and
 * `addresseeName` (the representative's name for R9, else the customer's). The customer's
 * subject line and names are one-line values wherever they appear.
 */
function viewOf(data: object): object {
  if (!('reference' in data && 'token' in data && typeof data.reference === 'string' && typeof data.token === 'string')) return data;
  const c = data as CaseMessageData;
  const addressee = c.representative ? c.representative.name : c.customerName; // R9: write to the representative
  return {
    ...c,
    caseSubject: oneLine(c.caseSubject ?? ''),
    ...(c.customerName === undefined ? {} : { customerName: oneLine(c.customerName) }),
    ...(c.representative === undefined ? {} : { representative: c.representative.name === undefined ? {} : { name: oneLine(c.representative.name) } }),
    ...(addressee ? { addresseeName: oneLine(addressee) } : {}),
    threadingTag: threadingTag(c.reference, c.token),
  };
}

/** R8: priority cases are shown first in each digest section (a stable sort keeps the caller's order otherwise). */
function priorityFirst(digest: StaffDigestData): StaffDigestData {
  const sections = digest.sections.map((s) => ({ ...s, lines: [...s.lines].sort((a, b) => Number(b.priority) - Number(a.priority)) }));
  return { ...digest, sections };
}

function withReference(subject: string, reference: string | undefined): string {
  if (!reference) return subject;
  const tag = `[${reference}]`;
  return subject.includes(tag) ? subject : `${subject} ${tag}`.trim();
}

/** Text bodies: LF line ends, no trailing spaces, at most one blank line in a row, one final newline. */
function tidyText(s: string): string {
  const lines = s.replace(/\r\n?/g, '\n').split('\n').map((l) => l.trimEnd());
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}


/** The footer line customers quote back: reference and token together. */
export function threadingTag(reference: string, token: string): string {
  return `${reference}/${token}`;
}
