/**
 * Quoted history and signature removal: what the sender actually wrote.
 *
 * Line-based and linear on purpose. The npm libraries for this (email-reply-parser without
 * the native re2 module, planer/talon) backtrack catastrophically on hostile text: 32 KB of
 * blank lines takes email-reply-parser ~30 s, "On , " repeated hangs planer. Every pattern
 * here is anchored, runs on one line cut to MAX_LINE, and has no nested quantifiers.
 */

const MAX_LINE = 500;
/** Lines a multi-line "On ... wrote:" header may span (Gmail wraps long names and addresses). */
const WROTE_SPAN = 3;
/** Lines after an Outlook "From:" line in which a second header field must appear. */
const HEADER_WINDOW = 6;
/** A "-- " block longer than this is a divider in the text, not a signature. */
const MAX_SIGNATURE_LINES = 15;

const QUOTED = /^[ \t]*>/;
const ORIGINAL_MESSAGE =
  /^[ \t]*-{2,}[ \t]*(original message|reply message|ursprüngliche nachricht|message d'origine|mensaje original|messaggio originale|oorspronkelijk bericht|oprindelig meddelelse|opprinnelig melding|ursprungligt meddelande)[ \t]*-{2,}/i;
const UNDERSCORE_SEPARATOR = /^[ \t]*_{10,}[ \t]*$/;
const FROM_FIELD = /^[ \t]*\*?(from|de|von|van|da|fra|från|od|lähettäjä|feladó)[ \t]?:\*?[ \t]*\S/i;
/** Fields that only a quoted header block has beside From: (To:/Cc: alone could be a customer's "From: ... To: ..." dates). */
const OTHER_FIELD =
  /^[ \t]*\*?(sent|date|subject|envoyé|date d'envoi|objet|gesendet|datum|betreff|verzonden|onderwerp|enviado|asunto|inviato|oggetto|sendt|skickat|ämne|emne)[ \t]?:\*?/i;
const WROTE_START = /^[ \t]*-*[ \t]*(on|le|am|el|il|op|em|den|w dniu|dnia|på|pe|el día)[ \t]/i;
const WROTE_END =
  /(wrote|writes|a écrit|schrieb|escribió|ha scritto|schreef|escreveu|skrev|napisał|pisze|kirjoitti)[ \t]*:?[ \t]*-*[ \t]*$/i;
/** German Thunderbird and friends put the verb first: "Am 07.05.2012 08:10, schrieb Name:" */
const WROTE_VERB = /(?:^|\s)(?:wrote|writes|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|napisał|pisze|kirjoitti)(?=[\s:]|$)/i;
/** "2026-03-03 10:00 GMT+00:00 Name <name@example.com>:" and "Name <name@example.com> schrieb:" */
const DATED_ADDRESS_HEADER = /^[ \t]*\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[^<]{0,80}<[^>\s]{1,200}@[^>\s]{1,200}>[ \t]*:[ \t]*$/;
const SIGNATURE_DELIMITER = /^--[ \t]?$/;
const MOBILE_SIGNATURE =
  /^[ \t]*(sent from my \S|sent from (mail|outlook|yahoo|aol|samsung|gmail|proton)|sent via |get outlook for |envoyé de mon |von meinem .{1,40} gesendet|enviado desde mi )/i;
const FORWARD_MARKER = /^[ \t]*(-{2,}[ \t]*forwarded message|begin forwarded message:)/i;

export function stripQuotedHistory(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const split = findSplitter(lines);
  let kept: string[];
  if (split === null) {
    kept = lines.filter((l) => !QUOTED.test(l));
  } else {
    const above = lines.slice(0, split.start).filter((l) => !QUOTED.test(l));
    kept = hasText(above) ? above : belowQuote(lines, split);
  }
  return tidy(cutSignature(kept));
}

interface Splitter {
  start: number;
  /** First line after the splitter itself. */
  end: number;
  kind: 'wrote' | 'block';
}

function findSplitter(lines: string[]): Splitter | null {
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').slice(0, MAX_LINE);
    if (QUOTED.test(line) || line.trim() === '') continue;
    if (FORWARD_MARKER.test(line)) return null; // a forward keeps what it forwards
    if (ORIGINAL_MESSAGE.test(line)) return { start: i, end: i + 1, kind: 'block' };
    if (UNDERSCORE_SEPARATOR.test(line) && headerFollows(lines, i + 1)) return { start: i, end: i + 1, kind: 'block' };
    if (FROM_FIELD.test(line) && headerFollows(lines, i + 1)) return { start: i, end: i + 1, kind: 'block' };
    if (DATED_ADDRESS_HEADER.test(line)) return { start: i, end: i + 1, kind: 'wrote' };
    const wroteEnd = wroteHeaderEnd(lines, i);
    if (wroteEnd !== null) return { start: i, end: wroteEnd + 1, kind: 'wrote' };
  }
  return null;
}

/**
 * Where a forwarded message's header block starts (the line after a forward marker, or an
 * Outlook From:/Sent: block), or null when the text forwards nothing. Linear, like the rest.
 */
export function forwardedHeaderStart(text: string): number | null {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').slice(0, MAX_LINE);
    if (FORWARD_MARKER.test(line) || ORIGINAL_MESSAGE.test(line) || (UNDERSCORE_SEPARATOR.test(line) && headerFollows(lines, i + 1))) return i + 1;
    if (FROM_FIELD.test(line) && headerFollows(lines, i + 1)) return i;
  }
  return null;
}

/** A From:/Sent:/To: block: a second header field within the next few lines. */
function headerFollows(lines: string[], from: number): boolean {
  for (let j = from; j < Math.min(lines.length, from + HEADER_WINDOW); j++) {
    const line = (lines[j] ?? '').slice(0, MAX_LINE);
    if (OTHER_FIELD.test(line)) return true;
  }
  return false;
}

/** "On <date>, <name> wrote:", possibly wrapped over up to three lines: index of its last line. */
function wroteHeaderEnd(lines: string[], i: number): number | null {
  const first = (lines[i] ?? '').slice(0, MAX_LINE);
  if (!WROTE_START.test(first)) return null;
  for (let j = i; j < Math.min(lines.length, i + WROTE_SPAN); j++) {
    const line = (lines[j] ?? '').slice(-MAX_LINE);
    if (j > i && line.trim() === '') return null;
    if (WROTE_END.test(line) || (WROTE_VERB.test(line) && /:[ \t]*$/.test(line))) return j;
  }
  return null;
}

/**
 * Nothing written above the splitter. Bottom-posting ("On ... wrote:", quoted lines, then the
 * answer) keeps what follows the quote; a bare Outlook block above nothing means the sender
 * wrote nothing of their own.
 */
function belowQuote(lines: string[], split: Splitter): string[] {
  if (split.kind !== 'wrote') return [];
  const rest = lines.slice(split.end);
  const next = findSplitter(rest);
  const upTo = next === null ? rest : rest.slice(0, next.start);
  return upTo.filter((l) => !QUOTED.test(l));
}

function cutSignature(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').slice(0, MAX_LINE);
    const rest = lines.length - i - 1;
    if (SIGNATURE_DELIMITER.test(line) && rest <= MAX_SIGNATURE_LINES && hasText(lines.slice(0, i))) return lines.slice(0, i);
    if (MOBILE_SIGNATURE.test(line) && line.length < 100 && nonEmpty(lines.slice(i + 1)) <= 3) return lines.slice(0, i);
  }
  return lines;
}

function hasText(lines: string[]): boolean {
  return lines.some((l) => l.trim() !== '');
}

function nonEmpty(lines: string[]): number {
  return lines.filter((l) => l.trim() !== '').length;
}

function tidy(lines: string[]): string {
  return lines
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .trimEnd();
}
