import type { OutboxRequest } from '../cases/advance.ts';
import type { Audience } from '../cases/lifecycle.ts';
import type { Db } from '../db/pool.ts';
import { listStaff, staffByRole, STAFF_ROLES, type StaffRole } from '../staff/staff-repo.ts';
import { checkAddress } from './compose.ts';
import type { CaseParties } from './outbox-repo.ts';

export interface Recipients {
  to: string[];
  /** Copied in (Cc): they get the message too. */
  cc?: string[];
  audience: 'customer' | 'staff';
}

/**
 * R9: correspondence goes to the representative, and to the customer where we have an
 * address. Automatic replies go to the envelope sender alone (RFC 3834). Role alerts go to
 * that role, or to all staff when nobody holds it, so an alert is never lost.
 */
export async function resolveRecipients(db: Db, to: Audience, parties: CaseParties, req: Pick<OutboxRequest, 'senderAddress' | 'staffAddress'>, staffRecipients: readonly string[]): Promise<Recipients> {
  switch (to) {
    case 'customer':
      return { to: unique([parties.representativeEmail, parties.customerEmail]), audience: 'customer' };
    case 'registered':
      return registered(parties);
    case 'sender':
      return { to: unique([req.senderAddress, parties.representativeEmail, parties.customerEmail]).slice(0, 1), audience: 'customer' };
    case 'actor':
      return { to: unique([req.staffAddress]), audience: 'staff' };
    case 'staff':
      return { to: staffRecipients.length > 0 ? [...staffRecipients] : (await listStaff(db)).map((s) => s.email), audience: 'staff' };
    default:
      return { to: await roleOrAll(db, to), audience: 'staff' };
  }
}

/** R10: the outcome goes to the customer's registered address, with a copy to the address the complaint came from. */
function registered(p: CaseParties): Recipients {
  const to = unique([p.representativeEmail, p.registeredEmail ?? p.customerEmail]);
  return { to, cc: unique([p.customerEmail]).filter((a) => !to.includes(a)), audience: 'customer' };
}

async function roleOrAll(db: Db, role: StaffRole): Promise<string[]> {
  if (!(STAFF_ROLES as readonly string[]).includes(role)) return [];
  const holders = await staffByRole(db, role);
  return (holders.length > 0 ? holders : await listStaff(db)).map((s) => s.email);
}

/** Addresses we can actually write to; one like "hermes" (no domain) is left out and the case records no recipient. */
function unique(addresses: (string | null | undefined)[]): string[] {
  return [...new Set(addresses.filter((a): a is string => Boolean(a)).map((a) => a.toLowerCase()))].filter(deliverable);
}

function deliverable(address: string): boolean {
  try {
    checkAddress(address, 'recipient');
    return true;
  } catch {
    return false;
  }
}
