import type { ComplaintSignals, ParsedAttachment, ParsedMessage } from './types.ts';

/**
 * Keyword heuristics over what the sender wrote (quotes stripped, so our own letters quoted back
 * raise nothing). Each flag carries the phrase that raised it, for staff to judge.
 * R2 missing facts, R6 technical, R8 vulnerable/urgent/harm, R9 third party, R10 format.
 */

const MAX_SCAN = 100_000;

const VULNERABLE = [
  /\bdisab(?:led|ility|ilities)\b/gi,
  /\b(?:elderly|pensioner|old age|frail)\b/gi,
  /\b(?:[89]\d|1[01]\d)[- ]?(?:years?|yrs?)[- ]old\b/gi,
  /\baged (?:[89]\d|1[01]\d)\b/gi,
  /\b(?:mother|mum|father|dad|husband|wife|partner|gran|nan|grandmother|grandfather|grandad|aunt|uncle|he|she|i) (?:is|am|was|turned|'s) (?:now )?(?:[89]\d|1[01]\d)\b(?![.,]\d)/gi,
  /\b(?:blind|partially sighted|visually impaired|sight loss)\b/gi,
  /\b(?:deaf|hard of hearing|hearing impair(?:ed|ment))\b/gi,
  /\b(?:carer|caring for|care home|care package)\b/gi,
  /\b(?:dementia|alzheimer'?s|parkinson'?s|stroke|autis(?:m|tic)|learning difficult(?:y|ies)|learning disabilit(?:y|ies))\b/gi,
  /\b(?:mental health|depression|anxiety|suicidal|panic attacks?)\b/gi,
  /\b(?:bereave(?:d|ment)|passed away|recently died|widow(?:ed|er)?)\b/gi,
  /\bvulnerab(?:le|ility)\b/gi,
  /\b(?:medical (?:equipment|condition|device|alarm)|oxygen|dialysis|wheelchair|housebound|terminal(?:ly)? ill|cancer|chemo(?:therapy)?)\b/gi,
  /\b(?:hospital|hospitali[sz]ed)\b/gi,
  /\b(?:lives? alone|living alone|domestic abuse|pregnan(?:t|cy))\b/gi,
  /\b(?:personal alarm|pendant alarm|lifeline alarm|telecare)\b/gi,
];

const URGENT = [
  /\burgent(?:ly)?\b/gi,
  /\bemergenc(?:y|ies)\b/gi,
  /\bas soon as possible\b|\basap\b/gi,
  /\b(?:immediately|right away|straight away|without delay)\b/gi,
  /\btime[- ]critical\b/gi,
];

/** Urgent only together with a vulnerable signal: an elderly or disabled person cut off. */
const CUT_OFF = [/\b(?:no |without (?:a |any )?|lost (?:my |her |his |their )?)(?:phone|landline|phone line|telephone|dial tone|line)\b/gi, /\bcut off\b/gi];

const HARM = [
  /\b(?:lost|losing|loss of|lose) (?:my |our |a |all )?(?:income|earnings|wages|business|customers|custom|orders|work|job|money)\b/gi,
  /\b(?:can'?t|cannot|could ?n[o']t|unable to) (?:call|ring|phone|dial) (?:999|112|111|an ambulance|emergency services|for help|the doctor|my doctor|the gp)\b/gi,
  /\b(?:medical|personal|pendant|care|lifeline|panic) alarm\b/gi,
  /\b(?:financial hardship|hardship|can'?t afford|cannot afford|struggling to pay|out of pocket|overdrawn|bank charges)\b/gi,
  /\b(?:debt collect(?:ors?|ion|ing)|bailiffs?|default notice|credit (?:rating|score|file))\b/gi,
  /\b(?:unable to work|can'?t work|couldn'?t work)\b/gi,
  /\bmissed (?:a |an |my )?(?:hospital|medical|doctor'?s?|gp) appointment\b/gi,
  /\bsignificant harm\b/gi,
];

const TECHNICAL = [
  /\bno (?:signal|service|reception|coverage|dial tone|internet|broadband|connection|network)\b/gi,
  /\b(?:poor|weak|bad|intermittent|patchy|terrible) (?:signal|reception|coverage|connection|speeds?|broadband|internet|wi-?fi)\b/gi,
  /\b(?:outage|dropped calls?|line fault|fault on the line|packet loss|latency|buffering)\b/gi,
  /\bcalls? (?:keep |keeps )?(?:dropping|cutting out|cut out|drop out|failing)\b/gi,
  /\b(?:broadband|internet|wi-?fi|connection|phone line|landline|line|service|network|router|hub|phone|mobile data|fibre) (?:is |has been |have been |keeps |keep |went |goes |was )?(?:down|dead|not working|dropping|cutting out|disconnecting|offline|broken|faulty)\b/gi,
  /\bslow (?:speeds?|broadband|internet|connection|wi-?fi|download|upload)\b|\bspeeds? (?:are|is|have been) (?:slow|terrible|awful|poor)\b/gi,
  /\b(?:router|voip|porting|port my number|number port|sim card|engineer|4g|5g|mobile data)\b/gi,
  /\b(?:number|phone|line) (?:is )?not working\b/gi,
  /\b(?:can'?t|cannot|unable to) (?:make|receive) (?:or receive )?calls\b|\b(?:can'?t|cannot|unable to) (?:get online|connect)\b/gi,
];

const THIRD_PARTY = [
  /\bon behalf of\b/gi,
  /\b(?:i am|i'm) (?:writing|complaining|contacting you|emailing) (?:for|on behalf of)\b/gi,
  /\bfor my (?:elderly |late |disabled )?(?:mother|mum|father|dad|parents?|wife|husband|partner|son|daughter|brother|sister|grandmother|grandfather|gran|nan|grandad|aunt|uncle|friend|neighbour|client)\b/gi,
  /\bpower of attorney\b|\blasting power\b|\bappointee\b/gi,
  /\b(?:i am|i'm) (?:the |a |his |her |their )?(?:carer|advocate|representative|attorney)\b/gi,
  /\bmy (?:mother|mum|father|dad|wife|husband|partner|son|daughter|gran|nan)'s (?:account|line|phone|broadband)\b/gi,
];

const POST = [
  /\bby (?:post|letter|royal mail)\b/gi,
  /\b(?:send|write|post) (?:me |us )?(?:a |the |your )?(?:letter|reply|response|outcome) (?:by post|to my (?:home |postal )?address)\b/gi,
  /\b(?:postal address|hard copy|paper copy|printed copy|in the post)\b/gi,
  /\bin writing by post\b|\bsend (?:me )?a letter\b|\bwrite to me\b/gi,
];

const HTML = [/\b(?:html|formatted|rich text) (?:e-?mail|version|format|message)s?\b|\bas html\b|\bin html\b/gi];

/** A negation up to three words before, in the same clause: "not urgent", "do not send a letter by post". */
const NEGATION = /\b(?:not|no|isn't|aren't|wasn't|never|nothing|don't|doesn't)\s+(?:(?!(?:and|but|so|or|because|as|since|while)\s)[^\s.,;:!?]+\s+){0,3}$/i;

export function detectSignals(msg: ParsedMessage, minWords: number): ComplaintSignals {
  const written = msg.newText.trim() !== '' ? msg.newText : msg.text;
  const body = normalise(written.slice(0, MAX_SCAN));
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
  const missingFacts = detectMissingFacts(body, msg.attachments, minWords, evidence);
  const preferredFormat = findPhrase(text, POST) !== undefined ? 'post' : findPhrase(text, HTML) !== undefined ? 'html' : 'text';
  if (preferredFormat !== 'text') evidence.push(`format: ${preferredFormat}`);
  return { vulnerable, urgent, harm, technical, ...(thirdParty ? { thirdParty } : {}), missingFacts, preferredFormat, evidence };
}

function normalise(text: string): string {
  return text.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\u00a0/g, ' ');
}

/** The first phrase any pattern finds that is not negated just before it ("not urgent"). */
function findPhrase(text: string, patterns: RegExp[]): string | undefined {
  for (const pattern of patterns) {
    for (const m of text.matchAll(pattern)) {
      const before = text.slice(Math.max(0, (m.index ?? 0) - 30), m.index);
      if (!NEGATION.test(before)) return m[0].trim().slice(0, 80);
    }
  }
  return undefined;
}

const NAME_AFTER = /^[\s,:-]*(?:(?:of|for) )?(?:(?:my|our|the) [a-z]+(?: [a-z]+)?[\s,:-]+)?((?:(?:Mr|Mrs|Ms|Miss|Mx|Dr)\.? )?[A-Z][a-zA-Z'-]+(?: [A-Z][a-zA-Z'-]+){0,3})/;
const EMAIL = /[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+/gi;
const NOT_A_NAME = /^(I|I'm|We|He|She|They|Thank|Thanks|Please|Dear|Hello|Hi|The|This|My|Our|Regards|Kind|Yours)\b/;

function detectThirdParty(body: string, msg: ParsedMessage, evidence: string[]): ComplaintSignals['thirdParty'] | undefined {
  for (const pattern of THIRD_PARTY) {
    for (const m of body.matchAll(pattern)) {
      const before = body.slice(Math.max(0, (m.index ?? 0) - 30), m.index);
      if (NEGATION.test(before)) continue;
      evidence.push(`third party: "${m[0]}"`);
      const after = body.slice((m.index ?? 0) + m[0].length, (m.index ?? 0) + m[0].length + 120);
      const name = NAME_AFTER.exec(after)?.[1];
      const customerName = name && !NOT_A_NAME.test(name) ? name : undefined;
      const customerEmail = otherAddress(body, msg);
      return { ...(customerName ? { customerName } : {}), ...(customerEmail ? { customerEmail } : {}) };
    }
  }
  return undefined;
}

/** An address in the body that is not the sender's nor one the message was sent to. */
function otherAddress(body: string, msg: ParsedMessage): string | undefined {
  const known = new Set(
    [msg.from?.address, ...msg.replyTo.map((a) => a.address), ...msg.to.map((a) => a.address), ...msg.cc.map((a) => a.address), ...msg.deliveredTo].filter(
      (a): a is string => a !== undefined,
    ),
  );
  return [...body.matchAll(EMAIL)].map((m) => m[0].toLowerCase().replace(/\.$/, '')).find((a) => !known.has(a) && !a.includes('+'));
}

const READABLE =
  /^(text\/|application\/(pdf|msword|rtf|vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|vnd\.ms-excel)|message\/rfc822$)/;

function detectMissingFacts(body: string, attachments: ParsedAttachment[], minWords: number, evidence: string[]): boolean {
  const words = body.match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu)?.length ?? 0;
  if (words >= minWords) return false;
  const readable = attachments.filter((a) => !a.inline && a.size > 0 && READABLE.test(a.contentType));
  if (readable.length > 0) return false;
  const unreadable = attachments.filter((a) => !a.inline).length;
  evidence.push(`missing facts: ${words} words${unreadable > 0 ? `, ${unreadable} unreadable attachment(s)` : ''}`);
  return true;
}
