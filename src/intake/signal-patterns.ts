/**
 * The phrases behind each complaint signal (signals.ts). Measured on the hand-labelled set in
 * test/fixtures/signals/ (test/intake/signals-quality.test.ts): a phrase added here must raise
 * recall there without opening false alarms. Every pattern is bounded (no nested quantifiers).
 */

const RELATIVES = 'mother|mum|father|dad|gran|nan|grandmother|grandfather|grandad|grandma|grandpa|aunt|uncle';
const RELATIVE = `(?:${RELATIVES})`;
const OLD_AGE = '(?:[89]\\d|1[01]\\d)';

export const VULNERABLE = [
  /\bdisab(?:led|ility|ilities)\b/gi,
  /\b(?:elderly|pensioner|old age|frail)\b/gi,
  new RegExp(`\\b${OLD_AGE}[- ]?(?:years?|yrs?)[- ]old\\b`, 'gi'),
  new RegExp(`\\baged ${OLD_AGE}\\b`, 'gi'),
  new RegExp(`\\b(?:${RELATIVES}|husband|wife|partner|he|she|i|who) (?:is|am|was|turned|'s) (?:now )?${OLD_AGE}\\b(?![.,]\\d)`, 'gi'),
  /\b(?:blind|partially sighted|visually impaired|sight loss)\b/gi,
  /\b(?:deaf|hard of hearing|hearing impair(?:ed|ment))\b/gi,
  /\b(?:carer|caring for|care home|care package)\b/gi,
  /\b(?:dementia|alzheimer'?s|parkinson'?s|autis(?:m|tic)|learning difficult(?:y|ies)|learning disabilit(?:y|ies))\b/gi,
  // "a stroke of luck" is not an illness
  /\b(?:had|has had|have had|suffered|recovering from|since|after) (?:a |his |her |my )?stroke\b|\bstroke (?:patient|survivor)\b/gi,
  /\b(?:mental health|depression|anxiety|suicidal|panic attacks?)\b/gi,
  /\b(?:bereave(?:d|ment)|passed away|recently died|widow(?:ed|er)?)\b|\bmy (?:husband|wife|partner|mother|mum|father|dad|son|daughter)(?: has| had)? (?:died|passed)\b/gi,
  /\bvulnerab(?:le|ility)\b/gi,
  /\b(?:medical (?:equipment|condition|device|alarm)|oxygen|dialysis|wheelchair|housebound|terminal(?:ly)? ill|cancer|chemo(?:therapy)?)\b/gi,
  // a patient, not a hospital appointment or car park
  /\b(?:in|into|out of|discharged from|admitted to) hospital\b|\bhospitali[sz]ed\b/gi,
  /\b(?:lives? alone|living alone|domestic abuse|pregnan(?:t|cy))\b/gi,
  /\b(?:personal alarm|pendant alarm|lifeline alarm|telecare)\b/gi,
];

export const URGENT = [
  /\burgent(?:ly)?\b/gi,
  /\bemergenc(?:y|ies)\b/gi,
  /\bas soon as possible\b|\basap\b/gi,
  // "immediately after I signed up" tells when, not how soon
  /\bimmediately\b(?! after\b| before\b| afterwards\b)|\b(?:right away|straight away|without delay)\b/gi,
  /\btime[- ]critical\b/gi,
  /\bneed (?:this|it) (?:fixed|sorted|resolved|repaired|working|back) (?:today|tonight|now|right now|by tomorrow)\b/gi,
];

const SERVICE_NOUN = 'broadband|internet|wi-?fi|connection|phone line|telephone line|landline|line|service|network|router|hub|phone|mobile|mobile data|fibre|tv|text ?phone|business number|home phone';
const SERVICE = `(?:${SERVICE_NOUN})s?`;
/** "the broadband at home is down" */
const WHERE = '(?: (?:at|in) (?:home|work|the house|the office|my house|the flat))?';
/** "is", "has been" ... or a bare "'s": "phone's not working". */
const BEING = "(?:'s | (?:is|are|has been|have been|was|were|went|goes|is still|has gone|seems|appears) )";

/** Loss of service, in the words customers use: a technical fault, and urgent for a vulnerable customer. */
const LOSS_OF_SERVICE = [
  /\bno (?:phone |telephone |landline |broadband |internet |mobile )?(?:dial(?:ling)? tone|phone line|telephone line|landline|line|phone|telephone|internet|broadband|wi-?fi)\b(?! (?:calls?|rental|number|bill|charges?)\b)|\bno working (?:number|line|phone|landline)\b/gi,
  /\bwithout (?:a |any |my |our |the |her |his |their )?(?:working )?(?:phone line|telephone line|landline|phone|telephone|line|broadband|internet|wi-?fi|dial tone|connection)\b(?! (?:rental|calls?|charges?)\b)/gi,
  /\blost (?:my |our |the |her |his |their |all )?(?:phone line|landline|line|broadband|internet|wi-?fi|dial tone|connection)\b/gi,
  // "put the phone down" is not a fault: the verb is required
  new RegExp(`\\b(?:${SERVICE}|it)${WHERE}${BEING}(?:completely |totally |still |now |again )?(?:dead|down|not working|out of order|not connected|not live)\\b`, 'gi'),
  new RegExp(`\\b(?:number|line|phone|landline|mobile|broadband|internet|wi-?fi) not working\\b`, 'gi'),
  new RegExp(`\\b${SERVICE} (?:down|dead) (?:since|for|again|all|every)\\b`, 'gi'),
  /\b(?:fail|fails|failing|failed) to connect\b/gi,
  /\b(?:can'?t|cannot|unable to|could ?n'?t) (?:make|receive|get|place) (?:or receive )?(?:any )?calls\b|\b(?:can'?t|cannot|unable to|could ?n'?t) (?:get online|ring out|dial out|call out)\b/gi,
  new RegExp(`\\b${SERVICE} (?:has|have|does|did|will|is|was)(?: not|n'?t) (?:been )?work(?:ed|ing)?\\b`, 'gi'),
  new RegExp(`\\b${SERVICE}${WHERE} (?:will not|won't|does not|doesn't|did not|didn't|cannot|can't) (?:make|receive|connect|work|load|ring|reach|get)\\b`, 'gi'),
  /\b(?:has|have)(?: not|n't) had (?:a |any )?(?:dial tone|signal|connection|service|phone line|line)\b/gi,
];

/** Urgent beside a vulnerable signal: an elderly or disabled customer cut off, for a fault or a bill. */
export const CUT_OFF = [...LOSS_OF_SERVICE, /\bcut off\b/gi];

/** What carries the service, in a sentence about it; "phone bill" and "call centre" are not the service. */
const CARRIER =
  "(?:broadband|internet|wi-?fi|signal|reception|coverage|connection|network|mobile data|data|landline|phone line|line|dial tone|tone|receiver|handset|home phone|phone(?! (?:bill|call|calls|queue|number|shop|store|contract|upgrade|insurance|agent|line rental))|calls|every call|my calls?|tv|box|channels|hub|router|fibre|devices?)";
/** What goes wrong with it. Words that also fit a bill ("cut", "lost", "gone") are left out. */
const FAULT =
  "(?:dead|down|unusable|slow|silent|silence|disappeared|drops|dropping|dropped|gets cut|get cut|got cut|cuts out|cutting out|cut out|freezes|freezing|crackl\\w*|noisy|no sound|no tone|not working|does not work|doesn't work|won't work|stopped working|rings out|never rings|faulty|intermittent|patchy|unstable|unreliable|offline|outage|interruptions?|(?:will|would|does|do|can)(?: not|n't) connect|not (?:active|live|connected))";

export const TECHNICAL = [
  ...LOSS_OF_SERVICE,
  // a service and a fault in one sentence, either way round: "signal disappeared in our village"
  new RegExp(`\\b${CARRIER}\\b[^.!?;\\n]{0,60}\\b${FAULT}\\b|\\b${FAULT}\\b[^.!?;\\n]{0,40}\\b${CARRIER}\\b`, 'gi'),
  /\bno (?:signal|service|reception|coverage|connection|network|mobile data)\b/gi,
  /\b(?:poor|weak|bad|intermittent|patchy|terrible) (?:signal|reception|coverage|connection|speeds?|broadband|internet|wi-?fi)\b/gi,
  /\b(?:outage|dropped calls?|line fault|fault on the line|packet loss|latency|buffering)\b/gi,
  /\bcalls? (?:keep |keeps )?(?:dropping|cutting out|cut out|drop out|failing)\b/gi,
  new RegExp(
    `\\b${SERVICE} (?:is |has been |have been |keeps |keep |was |'s |is still |has )?(?:completely |totally |still |now |again |just )?(?:dropping(?: out)?|drops out|cutting out|cuts out|disconnecting|offline|broken|faulty|stopped working|crackl\\w+|noisy)\\b`,
    'gi',
  ),
  // "I turned my phone off" is not a fault: "off" needs the verb
  new RegExp(`\\b${SERVICE}(?:${BEING}| keeps going | keep going | is going )off\\b`, 'gi'),
  /\b(?:stopped|stops|keeps? stopping) working\b/gi,
  /\b(?:lost|losing|lose|loses|keep losing) (?:the |my |our )?(?:connection|signal|dial tone|line)\b/gi,
  /\b(?:hum|humming|crackl\w*|static|hiss\w*|buzz\w*|noise|interference|echo) on (?:the|my|our) (?:line|phone|landline|calls?)\b/gi,
  new RegExp(`\\b${SERVICE}[^.!?\\n]{0,30}\\b(?:comes and goes|on and off|in and out|disappears|keeps disappearing|vanishes)\\b`, 'gi'),
  /\b(?:hub|router|modem|box) (?:keeps )?(?:reboot|restart|reset)(?:s|ing)?(?: itself)?\b/gi,
  /\b(?:cannot|can't|could ?n'?t) hear (?:them|the caller|callers|anyone|anything|people|each other)\b|\b(?:they|callers?|people) (?:cannot|can't|could ?n'?t) hear me\b/gi,
  /\bchannels? (?:have |has )?(?:disappeared|gone missing|missing|freez\w+|pixelat\w+)\b|\bpixelat\w+\b/gi,
  /\bslow (?:speeds?|broadband|internet|connection|wi-?fi|download|upload)\b|\bspeeds? (?:are|is|have been) (?:slow|terrible|awful|poor|a fraction|nowhere near|far below|well below)\b/gi,
  /\bspeeds? (?:i|we) (?:don'?t|do not|never) get\b|\b(?:connection|broadband|internet) is slow\b/gi,
  /\b(?:voip|porting|port my number|number port|text relay)\b/gi,
  /\bnumber (?:was (?:supposed|meant|due) to|should have|never|did not|didn't|failed to|has not|hasn't) (?:be )?(?:transfer|port)/gi,
  /\bnumber (?:is )?not recogni[sz]ed\b/gi,
  /\b(?:can'?t|cannot|unable to|could ?n'?t) (?:even )?(?:connect|get a signal|get signal|send (?:a )?texts?|receive (?:a )?texts?)\b/gi,
  /\b(?:one|1|a single|zero) bars? of (?:signal|reception)\b|\bsos only\b|\bemergency calls only\b/gi,
  /\b(?:go|goes|going|went) straight to voicemail\b|\b(?:engaged|busy|unobtainable) tone\b/gi,
  /\b(?:red|orange|amber|flashing|blinking) lights?\b|\blights? on the (?:hub|router|modem|box) (?:are|is) (?:all )?(?:red|orange|amber|flashing|off)\b/gi,
  /\b(?:picture|screen|video calls?|tv|calls?) (?:keeps? )?(?:freezes|freezing|froze|freeze)\b/gi,
  /\bsim (?:card )?(?:is )?(?:not|isn't) (?:working|activated|recogni[sz]ed)\b/gi,
  // an engineer is technical only with the fault, not a missed or rude visit
  /\bengineers? (?:came|visited|said|found|confirmed|told (?:me|us)|reported)\b[^.!?\n]{0,60}\b(?:fault|damage|problem with the line)\b/gi,
  /\b(?:send|sent|need|needs|book|booked) an engineer to (?:fix|repair|look at|check)\b/gi,
];

export const HARM = [
  /\b(?:lost|losing|loss of|lose) (?:my |our |a |all )?(?:[a-z]+ ){0,3}?(?:income|earnings|wages|business|customers|clients|custom|orders|work|job|money|sales|bookings)\b/gi,
  /\b(?:can'?t|cannot|could ?n[o']t|unable to) (?:call|ring|phone|dial|contact|reach) (?:999|112|111|an ambulance|emergency services|for help|the doctor|the hospital|the police|my doctor|my carer|the gp)\b/gi,
  /\b(?:medical|personal|pendant|care|lifeline|panic) alarm\b|\balarm line\b/gi,
  /\b(?:financial hardship|hardship|can'?t afford|cannot afford|struggling to pay|out of pocket|overdrawn|bank charges)\b/gi,
  /\b(?:debt collect(?:ors?|ion|ing)|bailiffs?|default notice|credit (?:rating|score|file))\b/gi,
  /\b(?:unable to work|can'?t work|couldn'?t work)\b|\b(?:can'?t|cannot|unable to|could ?n'?t) take (?:card )?(?:payments|bookings|orders)\b/gi,
  /\bmissed (?:a |an |my )?(?:hospital|medical|doctor'?s?|gp) appointment\b/gi,
  /\blost (?:over |about |around |nearly |almost )?(?:£ ?\d[\d,.]*|\d[\d,.]* (?:pounds|quid)|hundreds|thousands)\b/gi,
  /\b(?:customers|clients|patients) (?:cannot|can't|could ?n'?t|are unable to) (?:reach|contact|call|ring|get through to) (?:us|me)\b/gi,
  /\b(?:rent|mortgage) (?:to pay|is due|payment)\b/gi,
  /\bmaking me (?:ill|sick|unwell)\b|\b(?:affecting|damaging|ruining) my health\b/gi,
  /\bsignificant harm\b/gi,
];

const FOR_SOMEONE = `(?:elderly |late |disabled )?(?:${RELATIVES}|parents?|wife|husband|partner|son|daughter|brother|sister|friend|neighbour|client)`;

export const THIRD_PARTY = [
  // "on behalf of myself and my family" is the customer speaking
  /\bon behalf of (?!(?:myself|me|us|ourselves|my family|my household)\b)/gi,
  /\b(?:i am|i'm) (?:writing|complaining|contacting you|emailing) (?:for|on behalf of)\b/gi,
  // "I bought the phone for my mum" is not writing for her
  new RegExp(`\\b(?:writing|complaining|complain|complaint|contacting you|emailing|acting|enquiring) (?:to you )?(?:for|on behalf of) my ${FOR_SOMEONE}\\b`, 'gi'),
  /\bpower of attorney\b|\blasting power\b|\bappointee\b/gi,
  /\b(?:i am|i'm) (?:the |a |an |his |her |their )?(?:carer|advocate|representative|attorney)\b|\b(?:his|her|their|'s) carer\b|\bon (?:her|his|their) behalf\b/gi,
  // the match stops before the title, so the customer's name can be read after it
  /\b(?:acting|writing|complaining|calling|enquiring|contacting you) (?:for|on behalf of) (?=(?:mr|mrs|ms|miss|mx|dr)\.? [a-z])/gi,
  new RegExp(`\\bmy ${FOR_SOMEONE}'s (?:account|line|phone|broadband|landline|alarm|contract|bill|number|mobile|internet|service)\\b`, 'gi'),
  new RegExp(`\\bmy (?:elderly )?${RELATIVE},? (?:who )?(?:is|was|turned|'s) (?:now )?${OLD_AGE}\\b(?![.,]\\d)`, 'gi'),
  // a parent's account after their death; a widow writing about the household account is the customer
  new RegExp(`\\bmy ${RELATIVE}(?: has| had)? (?:died|passed away)\\b`, 'gi'),
  new RegExp(`\\bmy ${FOR_SOMEONE} (?:has|is|was|suffers from|lives with) (?:got )?(?:dementia|alzheimer'?s|autis\\w+|learning difficult\\w+|a learning disability|disabled|blind|registered blind|deaf|partially sighted|in hospital|in a care home|terminally ill)\\b`, 'gi'),
  new RegExp(`\\b(?:look after|looking after|care for|caring for|support) my ${FOR_SOMEONE}\\b`, 'gi'),
];

export const POST = [
  /\b(?:answer|reply|response|outcome|decision) in (?:a |the )?letter\b|\bin a letter to me\b/gi,
  /\bby (?:post|letter|royal mail)\b/gi,
  /\b(?:send|write|post) (?:me |us )?(?:a |the |your )?(?:letter|reply|response|outcome) (?:by post|to my (?:home |postal )?address)\b/gi,
  /\b(?:postal address|hard copy|paper copy|printed copy|in the post)\b/gi,
  /\bin writing by post\b|\bsend (?:me )?a letter\b|\bwrite to me\b/gi,
  /\b(?:prefer|rather have|like) (?:a |to (?:receive|get|have) (?:a |your |the )?)?(?:letter|reply by post|written reply)\b/gi,
];

/** A request for formatted mail, not a remark that this one is HTML. */
export const HTML = [
  /\b(?:reply|respond|write|send|email|answer)(?: to me| me)? (?:in|as|with|using) (?:an? )?(?:html|formatted|rich text)\b/gi,
  /\b(?:send|use) (?:me )?(?:formatted |rich text )?(?:html|formatted|rich text) (?:e-?mails?|messages?)\b|\bprefer (?:an? )?(?:html|formatted|rich text)\b|\b(?:html|formatted|rich text) (?:e-?mails?|version|format|messages?) (?:please|preferred)\b/gi,
];

/** The writer is the customer: "my daughter's phone" on their own account is not a third party. */
export const OWN_ACCOUNT = /\b(?:i am|i'm) the (?:account holder|bill payer|customer)\b/i;

/** A sentence that is a confidentiality footer, not something the sender wrote to us. */
export const DISCLAIMER =
  /\b(?:intended (?:solely |only )?for the (?:use of the )?(?:person|addressee|individual|named recipient|recipient)|received (?:this|it) (?:e-?mail |message |communication )?in error|not the intended recipient|(?:this|the) (?:e-?mail|message)(?: and any attachments)? (?:is|are|may be|may contain) (?:strictly )?(?:confidential|privileged)|disclaimer)\b/i;
