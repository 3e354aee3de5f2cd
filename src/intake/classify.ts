import { bounceEvidence, hasNullSender } from './bounce.ts';
import { detectSignals } from './signals.ts';
import type { Classification, ClassifyContext, ParsedAttachment, ParsedMessage } from './types.ts';

/**
 * What an inbound message is, and which case (if any) it counts for. Pure; the order is the
 * policy: machine mail first (POLICY "What is not a complaint"), then who may act by email
 * (POLICY "Who may do what by email"), and only then a new complaint.
 */
export function classify(msg: ParsedMessage, ctx: ClassifyContext): Classification {
  const sender = msg.from?.address ?? '';
  if (sender && isOwn(sender, ctx.ownAddresses)) return { kind: 'other', reasons: ['own-address'] };
  const machine = machineMail(msg);
  // A delivery report or receipt needs no sender to be what it is; anything else without one is nobody we could answer.
  if (machine) return machine;
  if (!sender && !msg.from?.name) return { kind: 'other', reasons: ['no-sender'] };
  // "From: hermes" or a bare name: nobody we could answer or record as a customer.
  if (!/^[^@\s]+@[^@\s]+$/.test(sender)) return { kind: 'other', reasons: ['no-sender', 'sender-not-an-address'] };
  return humanMail(msg, ctx, sender);
}

function isOwn(address: string, own: ReadonlySet<string>): boolean {
  return own.has(address) || own.has(address.replace(/\+[^@]*@/, '@'));
}

// ---------------------------------------------------------------- machine mail

function machineMail(msg: ParsedMessage): Classification | null {
  if (msg.reportType === 'feedback-report') return { kind: 'other', reasons: ['feedback-report'] };
  const challenge = challengeResponse(msg);
  if (challenge.length > 0) return { kind: 'auto_reply', reasons: challenge };
  const hasStatusPart = msg.attachments.some((a) => /^message\/(global-)?delivery-status$/.test(a.contentType));
  const bounce = bounceEvidence(msg, hasStatusPart);
  if (bounce.length > 0) return { kind: 'bounce', reasons: bounce };
  const receipt = readReceipt(msg);
  if (receipt.length > 0) return { kind: 'read_receipt', reasons: receipt };
  // A filter's verdict says more than bulk headers: GTUBE sent with "Precedence: junk" is spam.
  const spam = spamVerdict(msg);
  if (spam.length > 0) return { kind: 'spam', reasons: spam };
  const auto = autoReply(msg);
  if (auto.length > 0) return { kind: 'auto_reply', reasons: auto };
  // A null envelope sender that is neither receipt nor auto-reply is a delivery notice.
  if (hasNullSender(msg.headers)) return { kind: 'bounce', reasons: ['return-path: <>'] };
  return null;
}

const CHALLENGE_PHRASE =
  /add yourself to my (?:\w+ )?(?:approved|guest|allowed) (?:senders? )?list|has been waitlisted|verify (?:that )?you are a (?:real )?(?:person|human)|prove (?:that )?you are (?:a )?human|click the link below to (?:be added|verify)|have your address added to|added to (?:the recipient's|my) (?:allowed|approved|safe) (?:senders? )?list|i (?:use|am using) (?:a )?(?:challenge[- ]response|spam ?arrest|boxbe)/i;

/** Challenge-response systems (Boxbe, SpamArrest): automatic, even when dressed as a DSN. */
function challengeResponse(msg: ParsedMessage): string[] {
  const reasons: string[] = [];
  if (/@(?:[a-z0-9-]+\.)*(?:boxbe|spamarrest|mailblocks)\.com$/.test(msg.from?.address ?? '')) reasons.push(`challenge-response: ${msg.from?.address}`);
  if (Object.keys(msg.headers).some((h) => h.startsWith('x-boxbe'))) reasons.push('challenge-response: x-boxbe');
  // plain text wraps at ~72 columns, so a phrase may run over a line break
  const phrase = CHALLENGE_PHRASE.exec(msg.newText.slice(0, 5000).replace(/\s+/g, ' '));
  if (phrase) reasons.push(`challenge-response: "${phrase[0].toLowerCase()}"`);
  return reasons;
}

const RECEIPT_SUBJECT = /^(read|not read|read receipt|return receipt|gelesen|nicht gelesen|lu|leído|letto|gelezen|läst)\s*:|^(read|return|delivery) receipt\b|^disposition notification/i;
const RECEIPT_TEXT = /\b(was|has been) (read|displayed|deleted without being read)\b|\bwas read on\b/i;

/** The MAPI message class Outlook gives a read (IPNRN) or not-read (IPNNRN) report, inside a TNEF part. */
const TNEF_READ_REPORT = /REPORT\.IPM\.Note\.IPNN?RN/i;

function readReceipt(msg: ParsedMessage): string[] {
  if (msg.reportType === 'disposition-notification') return ['report-type: disposition-notification'];
  if (msg.attachments.some((a) => a.contentType === 'message/disposition-notification')) return ['message/disposition-notification part'];
  const tnef = msg.attachments.filter(isTnef);
  // Outlook in rich-text mode sends the receipt as winmail.dat, with no text of its own to read.
  if (tnef.some((a) => TNEF_READ_REPORT.test(a.head.subarray(0, 64 * 1024).toString('latin1')))) return ['tnef: read report'];
  if (!RECEIPT_SUBJECT.test(msg.subject)) return [];
  if (RECEIPT_TEXT.test(msg.newText.slice(0, 2000))) return ['subject: read receipt'];
  if (tnef.length > 0 && msg.newText.trim() === '') return ['subject: read receipt', 'tnef only'];
  return [];
}

function isTnef(a: ParsedAttachment): boolean {
  return a.contentType === 'application/ms-tnef' || a.contentType === 'application/vnd.ms-tnef' || a.filename?.toLowerCase() === 'winmail.dat';
}

const AUTO_HEADERS = ['x-autoreply', 'x-autorespond', 'x-autoresponse', 'x-auto-reply', 'x-autoresponder', 'x-mail-autoreply', 'x-autoreply-from'];
const LIST_HEADERS = ['list-id', 'list-unsubscribe', 'list-post', 'x-mailman-version'];
/** Word edges that know letters beyond ASCII: `\b` sees no edge after the "ā" of "automātiskā". */
const START = '(?<![\\p{L}\\p{N}])';
const END = '(?![\\p{L}\\p{N}])';
const OOO_SUBJECT = new RegExp(
  [
    '^(re: )?(out of (the )?office|automatic reply|auto(matic)?[- ]?(reply|response|antwort|respuesta)|auto:|autoreply|abwesenheitsnotiz|autosvar|automatisch antwoord|réponse automatique|risposta automatica|respuesta automática|fuera de la oficina|ausente|afwezig|poza biurem|[aā]rpus biroja|on (annual )?leave|away from (the )?office|vacation (reply|notice|message))',
    '\\((auto(matic)?[- ]?(reply|response))\\)',
    `${START}(automati(c|sche?|ska|ską|que|ca|ka)|autom[aā]tisk[aā]|automatyczna|autom[aá]tic[ao])${END}.{0,20}${START}(reply|response|antwort|atbilde|réponse|respuesta|risposta|odpowied[zź]|svar)${END}`,
    `^(atva[lļ]in[aā]jum\\p{L}*|urlaub|vacances|vacaciones)${END}`,
  ].join('|'),
  'iu',
);

/** "noreply@", "no-reply@", "gmail-noreply@", "donotreply@": the sender says nobody reads replies. */
const NOREPLY_LOCAL = /(?:^|[-_.+])(?:no[-_.]?reply|do[-_.]?not[-_.]?reply)(?:$|[-_.+])/i;

function autoReply(msg: ParsedMessage): string[] {
  const reasons: string[] = [];
  if (noReplySender(msg)) reasons.push(`from: ${msg.from?.address}`);
  const submitted = header(msg, 'auto-submitted')?.trim().toLowerCase();
  if (submitted && !/^no\b/.test(submitted)) reasons.push(`auto-submitted: ${submitted.split(/[\s;(]/)[0]}`);
  for (const name of AUTO_HEADERS) if (msg.headers[name]) reasons.push(name);
  const precedence = header(msg, 'precedence')?.trim().toLowerCase();
  if (precedence && /^(bulk|junk|list|auto_reply)\b/.test(precedence)) reasons.push(`precedence: ${precedence.split(/\s/)[0]}`);
  for (const name of LIST_HEADERS) if (msg.headers[name]) reasons.push(`mailing-list: ${name}`);
  if (OOO_SUBJECT.test(msg.subject)) reasons.push('subject: out-of-office');
  return reasons;
}

/**
 * A web form may send from noreply@ with the customer in Reply-To: that is a person writing,
 * so only a noreply sender with nobody else to answer counts.
 */
function noReplySender(msg: ParsedMessage): boolean {
  const from = msg.from?.address ?? '';
  if (!NOREPLY_LOCAL.test(from.split('@')[0] ?? '')) return false;
  return msg.replyTo.every((r) => r.address === '' || r.address === from);
}

const SPAM_SUBJECT = /^\s*(\[spam\]|\*{2,}\s*spam\s*\*{2,}|\{spam\??\}|spam:)/i;
const GTUBE = 'XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X';

function spamVerdict(msg: ParsedMessage): string[] {
  const reasons: string[] = [];
  if (/^\s*yes\b/i.test(header(msg, 'x-spam-flag') ?? '')) reasons.push('x-spam-flag: yes');
  if (/^\s*yes\b/i.test(header(msg, 'x-spam-status') ?? '')) reasons.push('x-spam-status: yes');
  if (/^\s*(yes|true|spam)\b/i.test(header(msg, 'x-spam') ?? '')) reasons.push('x-spam: yes');
  if (/^\s*default:\s*true\b/i.test(header(msg, 'x-spamd-result') ?? '')) reasons.push('rspamd: spam');
  if (/^\s*(reject|add header|rewrite subject)\b/i.test(header(msg, 'x-rspamd-action') ?? '')) reasons.push('rspamd: action');
  if (/^\s*[5-9]\b/.test(header(msg, 'x-ms-exchange-organization-scl') ?? '')) reasons.push('exchange: scl');
  if (/\bSFV:SPM\b/.test(header(msg, 'x-forefront-antispam-report') ?? '')) reasons.push('exchange: sfv spm');
  if (SPAM_SUBJECT.test(msg.subject)) reasons.push('subject: spam tag');
  if (msg.text.includes(GTUBE)) reasons.push('gtube');
  return reasons;
}

function header(msg: ParsedMessage, name: string): string | undefined {
  return msg.headers[name]?.[0];
}

// ---------------------------------------------------------------- people

function humanMail(msg: ParsedMessage, ctx: ClassifyContext, sender: string): Classification {
  if (ctx.staffAddresses.has(sender)) return staffMail(ctx);
  if (ctx.thread) {
    if (!ctx.thread.caseAddresses.some((a) => a.toLowerCase() === sender)) {
      return { kind: 'other', reasons: ['thread-sender-not-on-case'] };
    }
    const { kind, reason } = replyKind(msg.newText);
    const reasons = [`thread: ${ctx.thread.via}`, reason];
    const refusal = customerActionRefusal(ctx);
    if (refusal) {
      // Recorded on the case and shown to staff; the case does not move (POLICY: who may do what by email).
      return { kind: 'other', reasons: [...reasons, `refused: ${refusal}`], caseId: ctx.thread.caseId, refused: { kind, reason: refusal } };
    }
    return { kind, reasons, caseId: ctx.thread.caseId, signals: detectSignals(msg, ctx.missingFactsMinWords) };
  }
  if (ctx.namedReference) return { kind: 'other', reasons: ['names-reference-without-token'] };
  return { kind: 'complaint', reasons: ['new-complaint'], signals: detectSignals(msg, ctx.missingFactsMinWords) };
}

/** A customer's message acts on its case only when its sender authentication did not fail and its thread is its own. */
function customerActionRefusal(ctx: ClassifyContext): string | undefined {
  if (ctx.senderAuth.verdict === 'fail') return `sender authentication failed (${ctx.senderAuth.detail.join('; ')})`;
  return ctx.thread?.forged;
}

/** Staff act by email only from a staff address whose message passed sender authentication (when required). */
function staffMail(ctx: ClassifyContext): Classification {
  const auth = ctx.senderAuth;
  if (ctx.staffAuthRequired && auth.verdict !== 'pass') {
    return { kind: 'other', reasons: ['staff-auth-failed', `sender-auth: ${auth.verdict} (${auth.detail.join('; ')})`] };
  }
  const caseId = (ctx.thread ?? ctx.namedReference)?.caseId;
  const reasons = ctx.staffAuthRequired ? ['staff-address', 'staff-auth-passed'] : ['staff-address', 'staff-auth-not-required'];
  return { kind: 'staff', reasons, ...(caseId !== undefined ? { caseId } : {}) };
}

// ---------------------------------------------------------------- customer replies

const NOT_RESOLVED = [
  /\b(?:is ?n[o']t|is not|has ?n[o']t been|has not been|not been|not yet|never been|still not|still isn't) (?:fully |properly |actually |really )?(?:resolved|fixed|sorted|working|solved)\b/gi,
  /\bnot (?:resolved|fixed|sorted|solved)\b|\bunresolved\b/gi,
  /\bstill (?:broken|down|not working|no signal|no service|having (?:the same )?(?:problem|issue|fault)s?|the same)\b/gi,
  /\b(?:not|n't) (?:happy|satisfied|content)\b|\bunhappy\b|\bdissatisfied\b/gi,
  /\b(?:i|we) (?:do not|don't|cannot|can't|will not|won't) accept\b|\bnot acceptable\b|\bunacceptable\b/gi,
  /\b(?:i|we) (?:do not|don't) agree\b|\bi disagree\b/gi,
  /\b(?:do not|don't|please don't|please do not) close\b/gi,
  /\bthe (?:problem|issue|fault) (?:persists|continues|is still|has come back|has returned)\b/gi,
];

const DEADLOCK = [
  /\bdeadlock\b/gi,
  /\b(?:refer|take|escalate|send) (?:this|it|my complaint|the complaint|the matter) to the ombudsman\b/gi,
  /\bfinal response letter\b|\bletter of final response\b/gi,
  /\b(?:adr|alternative dispute resolution)\b/gi,
];

const CONFIRMED = [
  /\byes[,.!]?\s+(?:it's |it is |that's |this is |the (?:problem|issue|fault) is |all )?(?:now )?(?:resolved|fixed|sorted|working)\b/gi,
  /\bhappy for you to close\b|\b(?:you )?(?:can|may) (?:now )?close (?:it|this|the case|the complaint|my complaint)\b|\bplease close (?:it|this|the case|the complaint|my complaint)\b/gi,
  /\b(?:issue|problem|fault|complaint|matter|everything|it) (?:is|has been|was|is now|has now been) (?:now )?(?:resolved|fixed|sorted)\b/gi,
  /\bthat's sorted\b|\ball sorted\b|\bsorted now\b|\bresolved[,.!]? thank/gi,
  /\b(?:i am|i'm|we are|we're) (?:happy|satisfied|content) with (?:the|your) (?:outcome|resolution|response|answer)\b/gi,
  /\b(?:i|we) (?:can )?confirm (?:that )?(?:it|this|the \w+|everything)(?: is|'s| has been) (?:now )?(?:resolved|fixed|sorted|working)\b/gi,
  /\b(?:i|we) (?:am |are )?(?:happy to )?accept (?:the|your) (?:outcome|offer|resolution|response)\b/gi,
  /\ball (?:working|fine|good) now\b|\bworking (?:fine|again) now\b/gi,
];

const NEGATED = /\b(?:not|n't|no|never)\s+(?:\S+\s+){0,2}$/i;

/** Only the new text counts: our own outcome letter quoted below must never decide. Negation wins. */
export function replyKind(newText: string): { kind: 'not_resolved' | 'deadlock_request' | 'confirmation' | 'reply'; reason: string } {
  const text = newText.slice(0, 20_000).replace(/[\u2018\u2019]/g, "'");
  const notResolved = firstMatch(text, NOT_RESOLVED, false);
  if (notResolved) return { kind: 'not_resolved', reason: `not-resolved: "${notResolved}"` };
  const deadlock = firstMatch(text, DEADLOCK, true);
  if (deadlock) return { kind: 'deadlock_request', reason: `deadlock-request: "${deadlock}"` };
  const confirmed = firstMatch(text, CONFIRMED, true);
  if (confirmed) return { kind: 'confirmation', reason: `confirmation: "${confirmed}"` };
  return { kind: 'reply', reason: 'reply' };
}

function firstMatch(text: string, patterns: RegExp[], skipNegated: boolean): string | undefined {
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern)) {
      const before = text.slice(Math.max(0, (m.index ?? 0) - 30), m.index);
      if (skipNegated && NEGATED.test(before)) continue;
      return m[0];
    }
  }
  return undefined;
}
