import type { HistoryDraft, PlannedMessage } from '../outbound/intents.ts';
import type { CaseThread, OutboxContext, SendLedger, StaffMember } from '../outbound/planner.ts';
import type { BusinessCalendar } from '../policy/calendar.ts';
import type { PolicySettings } from '../policy/settings.ts';
import type { Channel, DeadlineStatus, Format, IntakeSource, MessageKind } from '../vocabulary.ts';
import type { CaseFacts } from './decision.ts';

/**
 * What the domain knows while it decides: a snapshot of the rows a batch of events touches,
 * read in one round (and locked), which the pure decisions read and update in order. What
 * changed is collected in `changes` for the writer; nothing here does I/O.
 */
export interface World {
  staff: StaffRecord[];
  customers: Map<string, CustomerState>;
  customersById: Map<bigint, CustomerState>;
  cases: Map<bigint, CaseState>;
  /** R8: receipt times of each customer's cases (as customer or representative) in the repeat window. */
  earlier: Map<bigint, Date[]>;
  ledger: SendLedger;
  /** Ids and case numbers reserved for this batch, taken in order as rows are created. */
  reserved: Reserved;
  changes: Changes;
}

export interface StaffRecord extends StaffMember {
  id: bigint;
}

export interface CustomerState {
  id: bigint;
  email: string | null;
  displayName: string | null;
  preferredFormat: Format;
  postalAddress: string | null;
  registeredEmail: string | null;
  isNew: boolean;
}

export interface DeadlineState {
  id?: bigint;
  caseId: bigint;
  kind: string;
  rule: string;
  dueAt: Date;
  status: DeadlineStatus;
  createdAt: Date;
  resolvedAt: Date | null;
}

/** A case as stored: identity, parties and facts. */
export interface CaseRecord {
  id: bigint;
  reference: string;
  token: string;
  customerId: bigint;
  representativeId: bigint | null;
  subject: string;
  receivedAt: Date;
  /** How the complaint reached us: email, or phone, portal or letter taken down by staff. */
  channel: Channel;
  facts: CaseFacts;
}

export interface CaseState extends CaseRecord {
  isNew: boolean;
  /** Its pending deadlines (and those resolved while deciding, which stay here with their new status). */
  deadlines: DeadlineState[];
  thread: CaseThread;
}

export interface Reserved {
  cases: { id: bigint; number: bigint; token: string }[];
  customers: bigint[];
}

/** A message as it will be stored (`inbound_messages`), decided in memory. */
export interface InboundRow {
  id: bigint;
  caseId: bigint | null;
  kind: MessageKind;
  source: IntakeSource;
}

export interface Changes {
  customers: Set<CustomerState>;
  cases: Set<CaseState>;
  history: HistoryDraft[];
  deadlines: Set<DeadlineState>;
  messages: PlannedMessage[];
  /** Our messages reported bounced for good: marked so, with the diagnostic. */
  bounced: { outboundId: bigint; error: string }[];
}

/** What the pure decisions need besides the world. */
export interface DomainDeps {
  calendar: BusinessCalendar;
  policy: PolicySettings;
  outbox: OutboxContext;
  /** Business time of the event being decided. */
  now: Date;
}

export function emptyChanges(): Changes {
  return { customers: new Set(), cases: new Set(), history: [], deadlines: new Set(), messages: [], bounced: [] };
}

export function caseOf(world: World, id: bigint): CaseState {
  const kase = world.cases.get(id);
  if (!kase) throw new Error(`case ${id} was not loaded for this decision`);
  return kase;
}

/** The case's customer and representative as its messages address them. */
export function partiesOf(world: World, kase: CaseState) {
  const customer = world.customersById.get(kase.customerId);
  const rep = kase.representativeId === null ? undefined : world.customersById.get(kase.representativeId);
  return {
    reference: kase.reference,
    token: kase.token,
    subject: kase.subject,
    receivedAt: kase.receivedAt,
    customerEmail: customer?.email ?? null,
    customerName: customer?.displayName ?? null,
    registeredEmail: customer?.registeredEmail ?? null,
    representativeEmail: rep?.email ?? null,
    representativeName: rep?.displayName ?? null,
    preferredFormat: customer?.preferredFormat ?? 'text',
    postalAddress: customer?.postalAddress ?? null,
  };
}

/** Addresses that may speak for a case: its customer's and its representative's, with the registered address the outcome went to (R10). */
export function caseAddresses(world: World, kase: CaseState): string[] {
  const p = partiesOf(world, kase);
  return [p.customerEmail, p.registeredEmail, p.representativeEmail].filter((a): a is string => a !== null);
}
