import type { Arrival } from '../cases/arrivals.ts';
import type { WorldNeeds } from '../cases/world-repo.ts';
import type { BusinessCalendar } from '../policy/calendar.ts';
import { classify } from './classify.ts';
import { collisionIdentity } from './identity.ts';
import type { InboundInsert, StoredIdentity } from './inbound-repo.ts';
import type { IntakeSettings } from './intake.ts';
import { judgeSender } from './sender-auth.ts';
import { forwardOpening, opensCase } from './forward-opening.ts';
import { extractThreadKeys } from './thread-keys.ts';
import { lookupThread, type ThreadIndex } from './threading.ts';
import type { ComplaintSignals, IntakeInput, IntakeOutcome, ParseResult } from './types.ts';

/** One message of a batch, parsed. */
export interface BatchItem {
  input: IntakeInput;
  parsed: ParseResult;
  /** sha256 after the delivery trace: what tells two deliveries of one message from two messages. */
  content: string;
  /** The customer's email attached to a staff member's `#open` forward, parsed like any message. */
  attached?: { raw: Buffer; parsed: ParseResult; content: string };
}

/** What the read round found. */
export interface BatchRead {
  stored: readonly StoredIdentity[];
  threads: ThreadIndex;
  staff: readonly { email: string }[];
}

/** A message the batch stores: its row (id and case filled in later), and what it does to the cases. */
export interface StoredPlan {
  row: InboundInsert;
  arrival?: Omit<Arrival, 'inboundId'>;
  outcome: IntakeOutcome;
  /** The earlier message under the same Message-ID, when this one is a different message (a collision). */
  first?: { id: () => bigint; from: string | null };
  /** The original attached to a staff member's `#open`, stored beside the forward and filed on the case it opens. */
  companion?: StoredPlan;
}

export interface BatchPlan {
  /** In input order: a stored message, or a duplicate of one stored before (or earlier in the batch). */
  outcomes: (IntakeOutcome | StoredPlan)[];
  stored: StoredPlan[];
  needs: Omit<WorldNeeds, 'now'>;
}

interface Known {
  id: () => bigint;
  identity: string;
  messageId: string | null;
  kind: IntakeOutcome['kind'];
  from: string | null;
  content: string | null;
  caseId: bigint | null;
}

const DAY_MS = 86_400_000;

/**
 * Pure: the batch decided message by message in arrival order against what the read round
 * found (and what earlier messages of the batch added): a duplicate is recognised, a reused
 * Message-ID with other content is stored as its own message, each new message classified.
 * It also says what the domain must load and reserve to act on them.
 */
export function decideBatch(items: readonly BatchItem[], read: BatchRead, settings: IntakeSettings, calendar: Pick<BusinessCalendar, 'localDate' | 'atLocal'>, now: Date): BatchPlan {
  const known: Known[] = read.stored.map((r) => ({ id: () => r.id, identity: r.identity, messageId: r.message_id, kind: r.kind, from: r.from_address, content: r.content_sha256, caseId: r.case_id }));
  const staff = new Set(read.staff.map((s) => s.email));
  const plan: BatchPlan = { outcomes: [], stored: [], needs: emptyNeeds() };
  for (const item of items) {
    const identity = item.parsed.ok ? item.parsed.message.identity : item.parsed.identity;
    const messageId = (item.parsed.ok ? item.parsed.message.messageId : item.parsed.messageId) ?? null;
    const { same, first } = match(known, identity, messageId, item.content);
    if (same) {
      plan.outcomes.push({ status: 'duplicate', inboundId: same.id(), kind: same.kind, caseOpened: false });
      continue;
    }
    const stored = storedPlan(item, first ? collisionIdentity(identity, item.content) : identity, messageId, read, settings, staff, first);
    if (stored.arrival?.cls.kind === 'staff' && stored.arrival.cls.caseId === undefined && item.parsed.ok && opensCase(item.parsed.message.newText)) {
      const opening = forwardOpening({ ...item, msg: item.parsed.message }, (i, m, c) => match(known, i, m, c), { local: calendar.atLocal, missingFactsMinWords: settings.missingFactsMinWords, staff });
      stored.arrival.forwarded = opening.forwarded;
      if (opening.companion) stored.companion = opening.companion;
    }
    plan.outcomes.push(stored);
    for (const s of [stored, ...(stored.companion ? [stored.companion] : [])]) {
      plan.stored.push(s);
      known.push({ id: () => s.row.id, identity: s.row.identity, messageId: s.row.messageId, kind: s.outcome.kind, from: s.row.parsed?.msg.from?.address ?? null, content: s.row.contentSha256, caseId: null });
    }
    if (stored.arrival) addNeeds(plan.needs, stored.arrival, settings, calendar, now);
  }
  return plan;
}

/** What is known under an identity or Message-ID: the same message (a duplicate), and another that holds the identity (a collision). */
function match(known: readonly Known[], identity: string, messageId: string | null, content: string): { same?: Known; first?: Known } {
  const candidates = known.filter((k) => k.identity === identity || (messageId !== null && k.messageId === messageId));
  return { same: candidates.find((k) => k.content === content || k.content === null), first: candidates.find((k) => k.identity === identity) };
}

function storedPlan(item: BatchItem, identity: string, messageId: string | null, read: BatchRead, settings: IntakeSettings, staff: ReadonlySet<string>, first: Known | undefined): StoredPlan {
  const { input, parsed } = item;
  const base = { id: 0n, input, identity, messageId, contentSha256: item.content, collidesWith: null, caseId: null };
  const ref = first ? { first: { id: first.id, from: first.from } } : {};
  if (!parsed.ok) {
    return { row: { ...base, rawSha256: parsed.rawSha256, quarantine: { reason: parsed.reason, limitBreaches: parsed.limitBreaches } }, outcome: { status: 'stored', inboundId: 0n, kind: 'quarantined', caseOpened: false }, ...ref };
  }
  const msg = parsed.message;
  const { thread, namedReference } = lookupThread(read.threads, extractThreadKeys(msg), msg.from?.address);
  const senderAuth = judgeSender(settings.authservId, input.receiverAuth, msg.headerLines, msg.from?.address);
  const cls = classify(msg, { ownAddresses: settings.ownAddresses, staffAddresses: staff, staffAuthRequired: settings.staffAuthRequired, senderAuth, thread, namedReference, missingFactsMinWords: settings.missingFactsMinWords });
  const bounced = msg.deliveryReport?.originalMessageId ? read.threads.outbound.find((o) => o.message_id === msg.deliveryReport!.originalMessageId) : undefined;
  const mentioned = (thread ?? namedReference)?.caseId;
  return {
    row: { ...base, rawSha256: msg.rawSha256, parsed: { msg, cls, senderAuth } },
    arrival: {
      msg,
      cls,
      receivedAt: input.receivedAt,
      ...(input.envelopeFrom !== undefined ? { envelopeFrom: input.envelopeFrom } : {}),
      ...(mentioned !== undefined ? { mentioned } : {}),
      ...(cls.kind === 'bounce' && bounced ? { bounceOf: { outboundId: bounced.id, caseId: bounced.case_id } } : {}),
    },
    outcome: { status: 'stored', inboundId: 0n, kind: cls.kind, caseOpened: false },
    ...ref,
  };
}

/**
 * Pure: the batch in parts, cut before each message that answers one earlier in its part
 * (a customer's follow-up fetched together with the complaint it follows), or forwards it
 * with `#open` (staff forwarding mail the customer also sent us). Each part is
 * decided once the part before it is written, so the follow-up finds the case its
 * complaint opened. Arrival order is kept; a batch without such a message is one part.
 */
export function followUpParts(items: readonly BatchItem[]): BatchItem[][] {
  const parts: BatchItem[][] = [];
  let part: BatchItem[] = [];
  let ids = new Set<string>();
  for (const item of items) {
    const msg = item.parsed.ok ? item.parsed.message : undefined;
    const forwarded = item.attached?.parsed.ok ? item.attached.parsed.message.messageId : undefined;
    if (msg && [msg.inReplyTo, ...msg.references, forwarded].some((id) => id !== undefined && ids.has(id))) {
      parts.push(part);
      part = [];
      ids = new Set();
    }
    part.push(item);
    for (const id of [msg?.messageId, forwarded]) if (id) ids.add(id);
  }
  if (part.length > 0) parts.push(part);
  return parts;
}

/** Once ids are reserved: each message's id, and a collision's link to the message that had its Message-ID first. */
export function assignIds(stored: readonly StoredPlan[], ids: readonly bigint[]): void {
  stored.forEach((s, i) => (s.row.id = ids[i]!));
  for (const s of stored) {
    if (!s.first) continue;
    const firstInboundId = s.first.id();
    s.row.collidesWith = firstInboundId;
    if (!s.arrival) continue;
    s.arrival.collision = { firstInboundId, firstFrom: s.first.from };
    s.arrival.cls.reasons.push(`message-id-collision: inbound ${firstInboundId}`);
  }
}

function emptyNeeds(): BatchPlan['needs'] {
  return { caseIds: [], customerEmails: [], reserve: { cases: 0, customers: 0 }, recipients: [], senders: [], summaryKeys: [], repeatSince: new Date(8.64e15) };
}

/** What acting on an arrival may read or create: its cases, its customers, the caps of its sender. */
function addNeeds(needs: BatchPlan['needs'], a: Omit<Arrival, 'inboundId'>, settings: IntakeSettings, calendar: Pick<BusinessCalendar, 'localDate'>, now: Date): void {
  const n = needs as { -readonly [K in keyof typeof needs]: (typeof needs)[K] } & { caseIds: bigint[]; customerEmails: string[]; recipients: string[]; senders: string[]; summaryKeys: string[] };
  for (const id of [a.cls.caseId, a.mentioned, a.bounceOf?.caseId ?? undefined, a.forwarded?.alreadyOn]) if (id !== undefined && id !== null) n.caseIds.push(id);
  const from = a.msg.from?.address;
  const sender = (address: string) => {
    n.senders.push(address);
    n.recipients.push(address);
    n.summaryKeys.push(`alert-cap:${address}:${calendar.localDate(now)}`);
  };
  if (from) sender(from);
  const returnPath = a.msg.headers['return-path']?.[0]?.replace(/[<>\s]/g, '').toLowerCase();
  for (const r of [a.envelopeFrom, returnPath]) if (r) n.recipients.push(r);
  const opens = opening(a);
  if (!opens) return;
  if (opens.from !== from) sender(opens.from);
  n.reserve.cases += 1;
  n.reserve.customers += 1;
  n.customerEmails.push(opens.from);
  const third = opens.signals?.thirdParty;
  if (third) {
    n.reserve.customers += 1;
    if (third.customerEmail) n.customerEmails.push(third.customerEmail.toLowerCase());
  }
  const since = new Date(opens.receivedAt.getTime() - settings.repeatWindowDays * DAY_MS);
  if (since < n.repeatSince) n.repeatSince = since;
}

/** The complaint an arrival may open a case for: its own, or the customer's email a staff member forwarded with `#open`. */
function opening(a: Omit<Arrival, 'inboundId'>): { from: string; signals?: ComplaintSignals; receivedAt: Date } | undefined {
  const from = a.msg.from?.address;
  if (a.cls.kind === 'complaint' && from) return { from, ...(a.cls.signals ? { signals: a.cls.signals } : {}), receivedAt: a.receivedAt };
  const original = a.forwarded?.alreadyOn === undefined ? a.forwarded?.original : undefined;
  return original ? { from: original.from.address, signals: original.signals, receivedAt: original.receivedAt } : undefined;
}
