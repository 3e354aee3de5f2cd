import { CUT_OFF, DISCLAIMER, HARM, HTML, OWN_ACCOUNT, POST, TECHNICAL, THIRD_PARTY, URGENT, VULNERABLE } from './signal-patterns.ts';
import type { ComplaintSignals, ParsedAttachment, ParsedMessage } from './types.ts';

/**
 * Keyword heuristics over what the sender wrote (quotes stripped, so our own letters quoted back
 * raise nothing). Each flag carries the phrase that raised it, for staff to judge.
 * R2 missing facts, R6 technical, R8 vulnerable/urgent/harm, R9 third party, R10 format.
 */

const MAX_SCAN = 100_000;
/** Text read from one text attachment when counting what the customer gave us (R2). */
const MAX_ATTACHMENT_SCAN = 20_000;

/** A negation up to three words before, in the same clause: "not urgent", "do not send a letter by post". */
const NEGATION = /\b(?:not|no|isn't|aren't|wasn't|never|nothing|don't|doesn't)[^\S\n]+(?:(?!(?:and|but|so|or|because|as|since|while)\s)[^\s.,;:!?]+[^\S\n]+){0,3}$/i;

/** What the signals read of a message: what was written, what was attached, who it was from and to. */
export type SignalSource = Pick<ParsedMessage, 'subject' | 'text' | 'newText' | 'attachments' | 'from' | 'replyTo' | 'to' | 'cc' | 'deliveredTo'>;

export function detectSignals(msg: SignalSource, minWords: number): ComplaintSignals {
  const written = msg.newText.trim() !== '' ? msg.newText : msg.text;
  const body = withoutDisclaimers(normalise(written.slice(0, MAX_SCAN)));
  const text = `${normalise(msg.subject)}\n${body}`;
  const evidence: string[] = [];
  const flag = (name: string, patterns: RegExp[]): boolean => {
    const phrase = findPhrase(text, patterns);
    if (phrase !== undefined) evidence.push(`${name}: "${phrase}"`);
    return phrase !== undefined;
  };
  const vulnerable = flag('vulnerable', VULNERABLE);
  const urgent = flag('urgent', URGENT) || (vulnerable && flag('urgent', CUT_OFF));
  const harm = flag('harm', HARM);
  const technical = flag('technical', TECHNICAL);
  const thirdParty = detectThirdParty(body, msg, evidence);
  // A short message that names a fault or a loss ("Broadband down since Monday") has its facts.
  const missingFacts = !technical && !harm && detectMissingFacts(body, msg.attachments, minWords, evidence);
  const preferredFormat = findPhrase(text, POST) !== undefined ? 'post' : findPhrase(text, HTML) !== undefined ? 'html' : 'text';
  if (preferredFormat !== 'text') evidence.push(`format: ${preferredFormat}`);
  return { vulnerable, urgent, harm, technical, ...(thirdParty ? { thirdParty } : {}), missingFacts, preferredFormat, evidence };
}

/**
 * The signals of a complaint staff took down (by phone, portal or letter): its subject and
 * text. Staff named the customer, so the text's talk of someone else makes no representative.
 */
export function textSignals(subject: string, text: string, minWords: number): ComplaintSignals {
  const { thirdParty: _named, ...signals } = detectSignals({ subject, text, newText: text, attachments: [], replyTo: [], to: [], cc: [], deliveredTo: [] }, minWords);
  return { ...signals, evidence: signals.evidence.filter((e) => !e.startsWith('third party')) };
}

function normalise(text: string): string {
  return text.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\u00a0/g, ' ');
}

/** Drops the sentences of a confidentiality footer: its "notify the sender immediately" asks nothing of us. */
function withoutDisclaimers(text: string): string {
  if (!DISCLAIMER.test(text)) return text;
  return text
    .split(/(?<=[.!?])[ \t]+|\n/)
    .filter((sentence) => !DISCLAIMER.test(sentence))
    .join('\n');
}

/** The first phrase any pattern finds that is not negated just before it, on its own line ("not urgent"). */
function findPhrase(text: string, patterns: RegExp[]): string | undefined {
  if (!anyOf(patterns).test(text)) return undefined;
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern)) {
      if (!negated(text, m.index ?? 0)) return m[0].trim().slice(0, 80);
    }
  }
  return undefined;
}

const groups = new WeakMap<RegExp[], RegExp>();

/**
 * The group as one alternation: most text matches none of a group's phrases, and one scan
 * tells that for half the cost of one per pattern. Only a filter: the patterns (all `gi`,
 * no backreferences) still pick the phrase, first pattern first.
 */
function anyOf(patterns: RegExp[]): RegExp {
  let any = groups.get(patterns);
  if (!any) {
    any = new RegExp(patterns.map((p) => `(?:${p.source})`).join('|'), 'i');
    groups.set(patterns, any);
  }
  return any;
}

function negated(text: string, index: number): boolean {
  const before = text.slice(Math.max(0, index - 30), index);
  return NEGATION.test(before.slice(before.lastIndexOf('\n') + 1));
}

const NAME_AFTER = /^[\s,:-]*(?:(?:of|for) )?(?:(?:my|our|the) [a-z]+(?: [a-z]+)?[\s,:-]+)?((?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.? )?[A-Z][a-zA-Z'-]+(?: [A-Z][a-zA-Z'-]+){0,3})/;
const EMAIL = /[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+/gi;
const NOT_A_NAME = /^(I|I'm|We|He|She|They|Thank|Thanks|Please|Dear|Hello|Hi|The|This|My|Our|Regards|Kind|Yours)\b/;

function detectThirdParty(body: string, msg: SignalSource, evidence: string[]): ComplaintSignals['thirdParty'] | undefined {
  if (OWN_ACCOUNT.test(body)) return undefined;
  const found = THIRD_PARTY.flatMap((pattern) => [...body.matchAll(pattern)]).filter((m) => !negated(body, m.index ?? 0));
  const [first] = found;
  if (!first) return undefined;
  evidence.push(`third party: "${first[0]}"`);
  // "I am an advocate from Age UK acting for Mrs Rose Hill": the name may follow a later phrase.
  const customerName = found.map((m) => nameAfter(body, (m.index ?? 0) + m[0].length)).find((n) => n !== undefined);
  const customerEmail = otherAddress(body, msg);
  return { ...(customerName ? { customerName } : {}), ...(customerEmail ? { customerEmail } : {}) };
}

function nameAfter(body: string, at: number): string | undefined {
  const name = NAME_AFTER.exec(body.slice(at, at + 120))?.[1];
  return name && !NOT_A_NAME.test(name) ? name : undefined;
}

/** An address in the body that is not the sender's nor one the message was sent to. */
function otherAddress(body: string, msg: SignalSource): string | undefined {
  const known = new Set(
    [msg.from?.address, ...msg.replyTo.map((a) => a.address), ...msg.to.map((a) => a.address), ...msg.cc.map((a) => a.address), ...msg.deliveredTo].filter(
      (a): a is string => a !== undefined,
    ),
  );
  return [...body.matchAll(EMAIL)].map((m) => m[0].toLowerCase().replace(/\.$/, '')).find((a) => !known.has(a) && !a.includes('+'));
}

/** Documents that may hold the facts though we do not read them here. Text we read and count. */
const DOCUMENT = /^application\/(pdf|msword|rtf|vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|vnd\.ms-excel)/;
/** Text that is not the customer's words: links, PGP armour, base64 and other unbroken runs. */
const NOT_WORDS = /\b(?:https?:\/\/|www\.)\S+|-----BEGIN PGP [A-Z ]+-----[\s\S]*?(?:-----END PGP [A-Z ]+-----|$)|\S{40,}/g;

function detectMissingFacts(body: string, attachments: ParsedAttachment[], minWords: number, evidence: string[]): boolean {
  const given = attachments.filter((a) => !a.inline && a.size > 0);
  if (given.some((a) => DOCUMENT.test(a.contentType))) return false;
  const words = countWords(body) + given.reduce((n, a) => n + countWords(attachmentText(a)), 0);
  if (words >= minWords) return false;
  const unreadable = given.filter((a) => attachmentText(a) === '').length;
  evidence.push(`missing facts: ${words} words${unreadable > 0 ? `, ${unreadable} unreadable attachment(s)` : ''}`);
  return true;
}

function countWords(text: string): number {
  return text.replace(NOT_WORDS, ' ').match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu)?.length ?? 0;
}

/** What a text or forwarded-message attachment says; '' for anything we cannot read (a calendar is data, not facts). */
function attachmentText(a: ParsedAttachment): string {
  const head = a.head.subarray(0, MAX_ATTACHMENT_SCAN).toString('utf8');
  if (a.contentType === 'message/rfc822') return head.replace(/^[\s\S]*?\r?\n\r?\n/, '');
  if (!a.contentType.startsWith('text/') || a.contentType === 'text/calendar') return '';
  return a.contentType === 'text/html' ? head.replace(/<[^>]{0,2000}>/g, ' ') : head;
}
