import { isIsoDate } from '../policy/calendar.ts';

/** Staff commands, by email (first line of the message) or CLI: one vocabulary, one parser. */
export const ESCALATION_TARGETS = ['supervisor', 'engineering', 'director'] as const;
export const STAFF_FLAGS = ['vulnerable', 'urgent', 'harm', 'technical', 'vexatious', 'out-of-jurisdiction'] as const;
export const REFUSAL_REASONS = ['timely', 'vexatious', 'jurisdiction'] as const;

export type StaffCommand =
  | { verb: 'outcome'; text: string }
  | { verb: 'note'; text: string }
  | { verb: 'reply'; text: string }
  | { verb: 'escalate'; to: (typeof ESCALATION_TARGETS)[number] }
  | { verb: 'flag'; flag: (typeof STAFF_FLAGS)[number] }
  | { verb: 'deadlock' }
  | { verb: 'refuse-deadlock'; reason: (typeof REFUSAL_REASONS)[number] }
  | { verb: 'withdrawn' }
  | { verb: 'assign' }
  | { verb: 'reopen' }
  | { verb: 'unflag'; flag: (typeof REMOVABLE_FLAGS)[number] }
  /** R11 by post: the customer's letter confirming the outcome, dated `on` (YYYY-MM-DD, business time zone). */
  | { verb: 'confirmed-by-post'; on: string }
  /** A complaint that reached staff another way (the forwarded customer email): a case of its own, acknowledged by email unless by phone (R1). */
  | { verb: 'open'; acknowledgedBy?: AcknowledgementChannel }
  /** R1 met another way: staff acknowledged the complaint by phone. */
  | { verb: 'acknowledged'; by: AcknowledgementChannel };

/** How staff may acknowledge a complaint other than by our email (R1: "via telephone or email"). */
export const ACKNOWLEDGEMENT_CHANNELS = ['phone'] as const;
export type AcknowledgementChannel = (typeof ACKNOWLEDGEMENT_CHANNELS)[number];

/** Flags staff may take off again; a technical referral ends when engineering acts, not by unflagging. */
export const REMOVABLE_FLAGS = ['vulnerable', 'urgent', 'harm', 'vexatious', 'out-of-jurisdiction'] as const;

export const COMMAND_VERBS = ['outcome', 'note', 'reply', 'escalate', 'flag', 'unflag', 'deadlock', 'refuse-deadlock', 'withdrawn', 'reopen', 'assign', 'confirmed-by-post', 'open', 'acknowledged'] as const;

export type ParsedCommand = { ok: true; command: StaffCommand } | { ok: false; error: string };

/** True when the text's first non-blank line starts with `#verb`: the message is meant as a command. */
export function looksLikeCommand(text: string): boolean {
  return /^#[a-z-]+/i.test(firstLine(text));
}

/** `#verb args` on the first line; the rest of the message is the text for outcome/note/reply. */
export function parseCommand(text: string): ParsedCommand {
  const lines = text.replace(/\r\n?/g, '\n').trim().split('\n');
  const head = (lines[0] ?? '').trim();
  const match = /^#([a-z-]+)[\s:]*(.*)$/i.exec(head);
  if (!match) return { ok: false, error: `the first line must be a command such as #outcome, #note or #escalate director; got ${JSON.stringify(head.slice(0, 60))}` };
  const verb = match[1]!.toLowerCase();
  const arg = match[2]!.trim();
  if (verb === 'open') return openCommand(arg, lines.slice(1));
  const body = [arg, ...lines.slice(1)].join('\n').trim();
  return buildCommand(verb, arg, body);
}

export function buildCommand(verb: string, arg: string, body: string): ParsedCommand {
  switch (verb) {
    case 'outcome':
    case 'note':
    case 'reply':
      return body ? { ok: true, command: { verb, text: body } } : { ok: false, error: `#${verb} needs text after it (on the same line or the lines below)` };
    case 'escalate':
      return oneOf(arg, ESCALATION_TARGETS, '#escalate', (to) => ({ verb: 'escalate', to }));
    case 'flag':
      return oneOf(arg, STAFF_FLAGS, '#flag', (flag) => ({ verb: 'flag', flag }));
    case 'unflag':
      return oneOf(arg, REMOVABLE_FLAGS, '#unflag', (flag) => ({ verb: 'unflag', flag }));
    case 'refuse-deadlock':
      return oneOf(arg, REFUSAL_REASONS, '#refuse-deadlock', (reason) => ({ verb: 'refuse-deadlock', reason }));
    case 'confirmed-by-post':
      return letterDate(arg);
    case 'acknowledged':
      return oneOf(arg, ACKNOWLEDGEMENT_CHANNELS, '#acknowledged', (by) => ({ verb: 'acknowledged', by }));
    case 'open':
      return openCommand(arg, []);
    case 'deadlock':
    case 'withdrawn':
    case 'assign':
    case 'reopen':
      return { ok: true, command: { verb } };
    default:
      return { ok: false, error: `unknown command #${verb}; known: ${COMMAND_VERBS.map((v) => `#${v}`).join(', ')}` };
  }
}

function oneOf<T extends string>(arg: string, allowed: readonly T[], name: string, make: (v: T) => StaffCommand): ParsedCommand {
  const word = (arg.split(/\s+/)[0] ?? '').toLowerCase().replace(/[.,;:!]+$/, '');
  return (allowed as readonly string[]).includes(word)
    ? { ok: true, command: make(word as T) }
    : { ok: false, error: `${name} takes one of ${allowed.join(', ')}; got ${JSON.stringify(word)}` };
}

/** The letter's date as written on it: a real calendar date, YYYY-MM-DD. */
function letterDate(arg: string): ParsedCommand {
  const word = arg.split(/\s+/)[0] ?? '';
  return isIsoDate(word)
    ? { ok: true, command: { verb: 'confirmed-by-post', on: word } }
    : { ok: false, error: `#confirmed-by-post takes the date of the customer's letter as YYYY-MM-DD, for example #confirmed-by-post 2026-03-02; got ${JSON.stringify(word)}` };
}

/**
 * `#open` on the first line of a forward; `#acknowledged phone` after it on the same line or
 * on the next line that is not blank records that staff acknowledged the complaint by phone.
 */
function openCommand(arg: string, rest: readonly string[]): ParsedCommand {
  const next = rest.find((l) => l.trim() !== '')?.trim() ?? '';
  const said = /^#acknowledged\b/i.test(arg) ? arg : /^#acknowledged\b/i.test(next) ? next : undefined;
  if (said === undefined) return arg === '' ? { ok: true, command: { verb: 'open' } } : { ok: false, error: `#open takes nothing after it but #acknowledged phone; got ${JSON.stringify(arg.slice(0, 60))}` };
  const ack = buildCommand('acknowledged', said.replace(/^#acknowledged[\s:]*/i, ''), '');
  return ack.ok && ack.command.verb === 'acknowledged' ? { ok: true, command: { verb: 'open', acknowledgedBy: ack.command.by } } : ack;
}

function firstLine(text: string): string {
  return text.trimStart().split(/\r?\n/)[0] ?? '';
}
