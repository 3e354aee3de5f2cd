import type { StaffRole } from '../vocabulary.ts';
import { STAFF_ROLES } from '../vocabulary.ts';
import { checkAddress } from './compose.ts';
import type { Audience } from './intents.ts';
import type { CaseParties } from './message-data.ts';

export interface Recipients {
  to: string[];
  /** Copied in (Cc): they get the message too. */
  cc?: string[];
  audience: 'customer' | 'staff';
}

/**
 * Pure. R9: correspondence goes to the representative, and to the customer where we have
 * an address. Automatic replies go to the envelope sender alone (RFC 3834). Role alerts go
 * to that role, or to all staff when nobody holds it, so an alert is never lost.
 */
export function resolveRecipients(
  to: Audience,
  parties: Pick<CaseParties, 'customerEmail' | 'registeredEmail' | 'representativeEmail'>,
  req: { senderAddress?: string; staffAddress?: string },
  staff: readonly { email: string; role: StaffRole }[],
  staffRecipients: readonly string[],
): Recipients {
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
      return { to: staffRecipients.length > 0 ? [...staffRecipients] : staff.map((s) => s.email), audience: 'staff' };
    default:
      return { to: roleOrAll(staff, to), audience: 'staff' };
  }
}

/** R10: the outcome goes to the customer's registered address, with a copy to the address the complaint came from. */
function registered(p: Pick<CaseParties, 'customerEmail' | 'registeredEmail' | 'representativeEmail'>): Recipients {
  const to = unique([p.representativeEmail, p.registeredEmail ?? p.customerEmail]);
  return { to, cc: unique([p.customerEmail]).filter((a) => !to.includes(a)), audience: 'customer' };
}

function roleOrAll(staff: readonly { email: string; role: StaffRole }[], role: StaffRole): string[] {
  if (!(STAFF_ROLES as readonly string[]).includes(role)) return [];
  const holders = staff.filter((s) => s.role === role);
  return (holders.length > 0 ? holders : staff).map((s) => s.email);
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
