import type { Address, Classification, ComplaintSignals, ParsedMessage } from '../mail/message.ts';
import type { Channel } from '../vocabulary.ts';
import type { CaseFacts } from './decision.ts';
import { newCaseFacts } from './decision.ts';
import { flagsFromSignals, isPriority } from './flags.ts';
import { formatReference, yearIn } from './reference.ts';
import type { CaseState, CustomerState, DomainDeps, World } from './world.ts';

export interface CaseIntakeSettings {
  timeZone: string;
  repeatThreshold: number;
  repeatWindowDays: number;
}

export interface Arrival {
  msg: ParsedMessage;
  cls: Classification;
  inboundId: bigint;
  receivedAt: Date;
  /** MAIL FROM as the SMTP/LMTP session gave it; absent for IMAP and files. */
  envelopeFrom?: string;
  /** Set when an earlier, different message already carried this Message-ID. */
  collision?: Collision;
  /** The case a message names without being able to act on it (shown to staff there). */
  mentioned?: bigint;
  /** For a bounce of one of our messages: that message and its case. */
  bounceOf?: { outboundId: bigint; caseId: bigint | null };
  /** For a staff member's `#open` that names no case: the customer's email they forwarded. */
  forwarded?: Forwarded;
}

/** What a staff member's `#open` forward holds (read by the intake). */
export interface Forwarded {
  /** The customer's email inside it; undefined when the forward holds none that names a sender. */
  original?: {
    from: Address;
    subject: string;
    /** When it reached staff: the clocks run from here. */
    receivedAt: Date;
    /** Where that time was read: the attached message's delivery stamp or Date, the forwarded Date/Sent line, or (none believable) the forward's own arrival. */
    receivedFrom: 'received' | 'date' | 'forwarded-date' | 'forward';
    signals: ComplaintSignals;
    messageId?: string;
    how: 'attached' | 'inline';
  };
  /** The attached original, stored as a message of its own: the case opens with it. */
  storedAs?: () => bigint;
  /** The attached original was stored before and is on this case already: nothing to open. */
  alreadyOn?: bigint;
}

export interface Collision {
  firstInboundId: bigint;
  firstFrom: string | null;
}

const DAY_MS = 86_400_000;

/** A complaint about to become a case, however it reached us. */
export interface NewComplaint {
  /** Who complained: the sender of an email, or the customer staff took it from. */
  from: Address;
  subject: string;
  receivedAt: Date;
  channel: Channel;
  signals?: ComplaintSignals;
  /** Who opened the case, for the record: `customer:ADDRESS`, or `staff:ADDRESS` for one staff took down or forwarded. */
  actor: string;
  /** The message the complaint arrived as (the customer's own, or the staff member's forward). */
  inboundId?: bigint;
  /** Its Message-ID: our answers reply to it. */
  messageId?: string;
  /** More for the record of the opening: who took it down, how, what the customer said. */
  record?: Record<string, unknown>;
}

/** A complaint that arrived by email, as the case it opens. */
export function complaintOf(a: Arrival): NewComplaint {
  return {
    from: a.msg.from!,
    subject: a.msg.subject,
    receivedAt: a.receivedAt,
    channel: 'email',
    ...(a.cls.signals ? { signals: a.cls.signals } : {}),
    actor: `customer:${a.msg.from!.address}`,
    inboundId: a.inboundId,
    ...(a.msg.messageId ? { messageId: a.msg.messageId } : {}),
  };
}

/** A new complaint becomes a case: customer (and representative, R9), flags (R2, R6, R8), history (R18). */
export function openCase(world: World, deps: DomainDeps, settings: CaseIntakeSettings, c: NewComplaint): CaseState {
  const signals = c.signals;
  const sender = customerByEmail(world, c.from.address, c.from.name);
  const third = signals?.thirdParty;
  const customer = third ? namedCustomer(world, third.customerName, third.customerEmail) : sender;
  if (signals && signals.preferredFormat !== 'text' && customer.preferredFormat !== signals.preferredFormat) {
    customer.preferredFormat = signals.preferredFormat;
    world.changes.customers.add(customer);
  }
  const since = c.receivedAt.getTime() - settings.repeatWindowDays * DAY_MS;
  const history = world.earlier.get(customer.id) ?? [];
  const earlier = history.filter((t) => t.getTime() >= since && t.getTime() < c.receivedAt.getTime()).length;
  world.earlier.set(customer.id, [...history, c.receivedAt]);
  if (third) world.earlier.set(sender.id, [...(world.earlier.get(sender.id) ?? []), c.receivedAt]);
  const flags = signals ? flagsFromSignals(signals, earlier, settings.repeatThreshold) : [];
  const slot = world.reserved.cases.shift();
  if (!slot) throw new Error('no case number was reserved for this complaint');
  const facts: CaseFacts = { ...newCaseFacts(c.receivedAt), flags, priority: isPriority(flags) };
  const kase: CaseState = {
    id: slot.id,
    reference: formatReference(yearIn(c.receivedAt, settings.timeZone), Number(slot.number)),
    token: slot.token,
    customerId: customer.id,
    representativeId: third ? sender.id : null,
    subject: c.subject.replaceAll('\u0000', '').slice(0, 500),
    receivedAt: c.receivedAt,
    channel: c.channel,
    isNew: true,
    facts,
    deadlines: [],
    thread: { conversation: [], lastInbound: null, firstStaff: null },
  };
  if (c.messageId) hearFrom(kase, c.messageId);
  world.cases.set(kase.id, kase);
  world.changes.cases.add(kase);
  world.changes.history.push({
    caseId: kase.id,
    at: c.receivedAt,
    actor: c.actor,
    event: 'case.opened',
    data: { reference: kase.reference, flags, priority: facts.priority, evidence: signals?.evidence ?? [], earlierComplaints: earlier, thirdParty: third ?? null, ...(c.record ?? {}) },
    ...(c.inboundId !== undefined ? { inboundMessageId: c.inboundId } : {}),
  });
  return kase;
}

/** A message that counts for (or concerns) an existing case is put on its record; a customer's raises flags it signals. */
export function recordOnCase(world: World, kase: CaseState, a: Arrival): void {
  const raised = a.cls.kind === 'staff' ? [] : flagsFromSignals(a.cls.signals ?? noSignals, 0, Infinity).filter((f) => f !== 'missing_facts' && f !== 'third_party');
  const added = raised.filter((f) => !kase.facts.flags.includes(f));
  if (added.length > 0) {
    const flags = [...kase.facts.flags, ...added];
    kase.facts = { ...kase.facts, flags, priority: kase.facts.priority || isPriority(added) };
    world.changes.cases.add(kase);
  }
  if (a.msg.messageId && ['reply', 'confirmation', 'not_resolved', 'deadlock_request'].includes(a.cls.kind)) hearFrom(kase, a.msg.messageId);
  world.changes.history.push({
    caseId: kase.id,
    at: a.receivedAt,
    actor: a.msg.from ? `${a.cls.kind === 'staff' ? 'staff' : 'sender'}:${a.msg.from.address}` : 'system',
    event: `message.${a.cls.kind}`,
    data: { reasons: a.cls.reasons, subject: a.msg.subject, flagsRaised: raised },
    inboundMessageId: a.inboundId,
  });
}

/** The customer's message joins the conversation our answers reply to. */
export function hearFrom(kase: CaseState, messageId: string): void {
  kase.thread.conversation.push(messageId);
  kase.thread.lastInbound = messageId;
}

/** The customer with this address, created if new; a name learnt later fills a missing one. */
function customerByEmail(world: World, email: string, displayName?: string): CustomerState {
  const key = email.toLowerCase();
  const known = world.customers.get(key);
  if (known) {
    if (!known.displayName && displayName) {
      known.displayName = displayName;
      world.changes.customers.add(known);
    }
    return known;
  }
  return newCustomer(world, key, displayName ?? null);
}

/** A customer named by a representative (R9), who may have no address we know. */
function namedCustomer(world: World, displayName: string | undefined, email: string | undefined): CustomerState {
  return email ? customerByEmail(world, email, displayName) : newCustomer(world, null, displayName ?? null);
}

function newCustomer(world: World, email: string | null, displayName: string | null): CustomerState {
  const id = world.reserved.customers.shift();
  if (id === undefined) throw new Error('no customer id was reserved for this complaint');
  const customer: CustomerState = { id, email, displayName, preferredFormat: 'text', postalAddress: null, registeredEmail: null, isNew: true };
  if (email) world.customers.set(email, customer);
  world.customersById.set(id, customer);
  world.changes.customers.add(customer);
  return customer;
}

const noSignals = { vulnerable: false, urgent: false, harm: false, technical: false, missingFacts: false, preferredFormat: 'text' as const, evidence: [] };
