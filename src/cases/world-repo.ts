import type { Tx } from '../db/pool.ts';
import { conversations, firstStaffMessages, sendLedger } from '../outbound/outbox-repo.ts';
import { listStaff } from '../staff/staff-repo.ts';
import { newCaseToken } from './reference.ts';
import { complaintTimes, lockCases, reserveCases } from './cases-repo.ts';
import { findCustomers, reserveCustomers, type CustomerRow } from './customers-repo.ts';
import { pendingDeadlines } from './deadlines-repo.ts';
import { emptyChanges, type CaseState, type CustomerState, type World } from './world.ts';

/** What a batch of decisions will read: loaded (and the cases locked) in one round. */
export interface WorldNeeds {
  caseIds: readonly bigint[];
  customerEmails: readonly string[];
  /** New cases and customers the batch will create. */
  reserve: { cases: number; customers: number };
  /** Addresses automatic answers may go to, and senders alerts may be about (the send caps). */
  recipients: readonly string[];
  senders: readonly string[];
  /** Alert-cap summary keys that may be planned. */
  summaryKeys: readonly string[];
  now: Date;
  /** R8 looks back this far from the earliest arrival decided. */
  repeatSince: Date;
}

const DAY_MS = 86_400_000;

/**
 * Reads everything the decisions need for these cases and people, locking the case rows
 * until the transaction ends (in id order). Reserves ids and case numbers for what the
 * batch creates, so rows can be written together after deciding.
 */
export async function loadWorld(tx: Tx, needs: WorldNeeds): Promise<World> {
  const since = new Date(needs.now.getTime() - DAY_MS);
  const cases = await lockCases(tx, [...new Set(needs.caseIds)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  const caseIds = cases.map((c) => c.id);
  const partyIds = cases.flatMap((c) => (c.representativeId === null ? [c.customerId] : [c.customerId, c.representativeId]));
  const [staff, customers, deadlines, conversation, firstStaff, reservedCases, reservedCustomers] = await Promise.all([
    listStaff(tx),
    findCustomers(tx, { emails: needs.customerEmails, ids: partyIds }),
    pendingDeadlines(tx, caseIds),
    conversations(tx, caseIds),
    firstStaffMessages(tx, caseIds),
    reserveCases(tx, needs.reserve.cases),
    reserveCustomers(tx, needs.reserve.customers),
  ]);
  const partyEmails = customers.filter((c) => partyIds.includes(c.id)).flatMap((c) => (c.email ? [c.email] : []));
  const [ledger, times] = await Promise.all([
    sendLedger(tx, { addresses: [...new Set([...needs.recipients, ...partyEmails])], senders: needs.senders, summaryKeys: needs.summaryKeys, since }),
    complaintTimes(tx, customers.filter((c) => c.email && needs.customerEmails.includes(c.email)).map((c) => c.id), needs.repeatSince),
  ]);
  const world: World = {
    staff: staff.map((s) => ({ id: s.id, email: s.email, role: s.role })),
    customers: new Map(),
    customersById: new Map(),
    cases: new Map(),
    earlier: new Map(),
    ledger: { ...ledger, planned: new Set() },
    reserved: { cases: reservedCases.map((r) => ({ ...r, token: newCaseToken() })), customers: reservedCustomers },
    changes: emptyChanges(),
  };
  for (const row of customers) addCustomer(world, row);
  for (const t of times) world.earlier.set(t.customer_id, [...(world.earlier.get(t.customer_id) ?? []), t.received_at]);
  for (const c of cases) {
    const kase: CaseState = { ...c, isNew: false, deadlines: deadlines.filter((d) => d.caseId === c.id), thread: { conversation: [], lastInbound: null, firstStaff: null } };
    for (const m of conversation.filter((m) => m.case_id === c.id)) {
      kase.thread.conversation.push(m.message_id);
      if (m.direction === 'in') kase.thread.lastInbound = m.message_id;
    }
    kase.thread.firstStaff = firstStaff.find((f) => f.case_id === c.id)?.message_id ?? null;
    world.cases.set(c.id, kase);
  }
  return world;
}

function addCustomer(world: World, row: CustomerRow): void {
  const customer: CustomerState = { id: row.id, email: row.email, displayName: row.display_name, preferredFormat: row.preferred_format, postalAddress: row.postal_address, registeredEmail: row.registered_email, isNew: false };
  if (row.email) world.customers.set(row.email, customer);
  world.customersById.set(row.id, customer);
}
