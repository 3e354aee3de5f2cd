import { RedressError } from '../errors.ts';
import type { RetentionDeps } from './purge.ts';
import { NOTHING_REDACTED, recordRedaction } from './record.ts';
import {
  caselessFrom,
  casesOfCustomer,
  dropCaselessOutboundNaming,
  eraseCustomers,
  findCustomerForErasure,
  redactCases,
  redactInbound,
  type RedactableCase,
  type RedactionCounts,
} from './retention-repo.ts';

/** The JSON `redress customers erase --json` prints: a public interface, add fields, never rename. */
export interface ErasureReport extends RedactionCounts {
  email: string;
  erased: boolean;
  /** Why nothing changed, when nothing did. */
  reason: string | null;
  /** References of the cases redacted now (a case purged earlier is not redacted twice). */
  cases: string[];
  customers: number;
  erasure: number | null;
}

const CLOSED = new Set(['closed', 'withdrawn']);

/**
 * `redress customers erase EMAIL`: on the person's request, their closed cases (as customer
 * or representative) are redacted as a purge would, their mail that never joined a case
 * goes, staff digests naming them or their cases lose their raw copy, and the customers
 * row loses their email, name and postal address. Refused while a case of theirs is open
 * or a message on one is still to be sent.
 */
export async function eraseCustomer(deps: RetentionDeps, email: string): Promise<ErasureReport> {
  const address = email.trim().toLowerCase();
  const now = deps.clock.now();
  const report = await deps.sql.begin(async (tx) => {
    const customer = await findCustomerForErasure(tx, address);
    if (customer === undefined) return nothingHeld(address);
    const customerId = customer.id;
    // Their registered address is theirs too: mail from it that joined no case goes, and so do digests naming it.
    const addresses = [address, ...(customer.registered_email && customer.registered_email !== address ? [customer.registered_email] : [])];
    const cases = await casesOfCustomer(tx, customerId);
    refuseWhileInUse(address, cases);
    const due = cases.filter((c) => c.needs_redaction);
    const onCases = due.length > 0 ? await redactCases(tx, due.map((c) => c.id), now) : NOTHING_REDACTED;
    const caseless = await redactInbound(tx, caselessFrom(tx, addresses), now);
    const counts: RedactionCounts = {
      ...onCases,
      inbound_messages: onCases.inbound_messages + caseless.inbound_messages,
      attachments: onCases.attachments + caseless.attachments,
      outbound_messages: onCases.outbound_messages + (await dropCaselessOutboundNaming(tx, [...addresses, ...cases.map((c) => c.reference)])),
    };
    const customers = await eraseCustomers(tx, [customerId], now);
    const erasure = await recordRedaction(tx, { kind: 'request', at: now, closedBefore: null, cases: due, customers, counts });
    return { email: address, erased: true, reason: null, cases: due.map((c) => c.reference), customers, erasure: erasure === undefined ? null : Number(erasure), ...counts };
  });
  // The record holds no address, and neither does the log.
  deps.log.info({ erasure: report.erasure, cases: report.cases.length, erased: report.erased }, 'erasure request handled');
  return report;
}

function refuseWhileInUse(address: string, cases: RedactableCase[]): void {
  const open = cases.filter((c) => !CLOSED.has(c.status)).map((c) => c.reference);
  if (open.length > 0) {
    throw new RedressError('refused', `not erased: ${address} has ${open.length === 1 ? 'an open case' : 'open cases'} (${open.join(', ')}); erase once ${open.length === 1 ? 'it is' : 'they are'} closed or withdrawn`, { context: { cases: open } });
  }
  const sending = cases.filter((c) => c.sending).map((c) => c.reference);
  if (sending.length > 0) {
    throw new RedressError('refused', `not erased: a message on ${sending.join(', ')} is still waiting to be sent; erase once it has been sent or has failed (redress outbox)`, { context: { cases: sending } });
  }
}

function nothingHeld(address: string): ErasureReport {
  return { email: address, erased: false, reason: 'no personal data is held for this address (never known, or erased already)', cases: [], customers: 0, erasure: null, ...NOTHING_REDACTED };
}
