import type { Classification, ParsedMessage } from '../mail/message.ts';
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
}

export interface Collision {
  firstInboundId: bigint;
  firstFrom: string | null;
}

const DAY_MS = 86_400_000;

/** A new complaint becomes a case: customer (and representative, R9), flags (R2, R6, R8), history (R18). */
export function openCase(world: World, deps: DomainDeps, settings: CaseIntakeSettings, a: Arrival): CaseState {
  const signals = a.cls.signals;
  const sender = customerByEmail(world, a.msg.from!.address, a.msg.from?.name);
  const third = signals?.thirdParty;
  const customer = third ? namedCustomer(world, third.customerName, third.customerEmail) : sender;
  if (signals && signals.preferredFormat !== 'text' && customer.preferredFormat !== signals.preferredFormat) {
    customer.preferredFormat = signals.preferredFormat;
    world.changes.customers.add(customer);
  }
  const since = a.receivedAt.getTime() - settings.repeatWindowDays * DAY_MS;
  const history = world.earlier.get(customer.id) ?? [];
  const earlier = history.filter((t) => t.getTime() >= since && t.getTime() < a.receivedAt.getTime()).length;
  world.earlier.set(customer.id, [...history, a.receivedAt]);
  if (third) world.earlier.set(sender.id, [...(world.earlier.get(sender.id) ?? []), a.receivedAt]);
  const flags = signals ? flagsFromSignals(signals, earlier, settings.repeatThreshold) : [];
  const slot = world.reserved.cases.shift();
  if (!slot) throw new Error('no case number was reserved for this complaint');
  const facts: CaseFacts = { ...newCaseFacts(a.receivedAt), flags, priority: isPriority(flags) };
  const kase: CaseState = {
    id: slot.id,
    reference: formatReference(yearIn(a.receivedAt, settings.timeZone), Number(slot.number)),
    token: slot.token,
    customerId: customer.id,
    representativeId: third ? sender.id : null,
    subject: a.msg.subject.replaceAll('\u0000', '').slice(0, 500),
    receivedAt: a.receivedAt,
    isNew: true,
    facts,
    deadlines: [],
    thread: { conversation: [], lastInbound: null, firstStaff: null },
  };
  if (a.msg.messageId) hearFrom(kase, a.msg.messageId);
  world.cases.set(kase.id, kase);
  world.changes.cases.add(kase);
  world.changes.history.push({
    caseId: kase.id,
    at: a.receivedAt,
    actor: `customer:${a.msg.from!.address}`,
    event: 'case.opened',
    data: { reference: kase.reference, flags, priority: facts.priority, evidence: signals?.evidence ?? [], earlierComplaints: earlier, thirdParty: third ?? null },
    inboundMessageId: a.inboundId,
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
