import type { ThreadKeys } from './thread-keys.ts';
import type { ThreadMatch } from './types.ts';

/** What the batch's read round found that threading needs: the messages its keys name, and their cases. */
export interface ThreadIndex {
  outbound: readonly { id: bigint; message_id: string; case_id: bigint | null; audience: string; created_at: Date }[];
  /** Mail already on a case under a Message-ID the batch names: the customer's own complaint and replies among it. */
  inbound: readonly { message_id: string; case_id: bigint; kind: string; received_at: Date }[];
  cases: readonly { id: bigint; reference: string; token: string; status: string; customer_email: string | null; customer_registered_email: string | null; representative_email: string | null }[];
}

type CaseKey = ThreadIndex['cases'][number];

/** A message on a case that a reply's In-Reply-To/References name. */
interface Named {
  caseId: bigint;
  at: Date;
  /** The customer could have it: we sent it to them, or it is mail on the case that was not for staff alone. */
  customerFacing: boolean;
}

/**
 * Pure: the case a message threads to, by the Message-IDs in its In-Reply-To/References
 * first (ours, or mail already on a case), then the case token (plus-address, or
 * reference/token footer). When those Message-IDs name several cases, the sender's own
 * case wins, so a Message-ID reused on another case cannot pull a customer's follow-up
 * away from theirs. A reference named without its token is returned separately: it may
 * only serve staff. A thread the customer cannot have (it answers only mail staff
 * received, or its keys name different cases) is marked forged.
 */
export function lookupThread(index: ThreadIndex, keys: ThreadKeys, sender?: string): { thread: ThreadMatch | null; namedReference: ThreadMatch | null } {
  const byHeaders = caseByMessageIds(index, keys.messageIds, sender);
  const byToken = caseByToken(index, keys);
  const hit = byHeaders?.kase ?? byToken;
  if (hit) {
    const thread = toMatch(hit, byHeaders ? 'headers' : 'token');
    const forged = byHeaders ? forgedThread(byHeaders, byToken) : undefined;
    return { thread: forged ? { ...thread, forged } : thread, namedReference: null };
  }
  const named = index.cases.filter((c) => keys.namedReferences.includes(c.reference)).sort((a, b) => (a.id < b.id ? -1 : 1))[0];
  return { thread: null, namedReference: named ? toMatch(named, 'reference') : null };
}

function caseByMessageIds(index: ThreadIndex, ids: readonly string[], sender: string | undefined): { kase: CaseKey; customerFacing: boolean } | undefined {
  const named: Named[] = [
    ...index.outbound.flatMap((o) => (o.case_id !== null && ids.includes(o.message_id) ? [{ caseId: o.case_id, at: o.created_at, customerFacing: o.audience === 'customer' }] : [])),
    ...index.inbound.filter((i) => ids.includes(i.message_id)).map((i) => ({ caseId: i.case_id, at: i.received_at, customerFacing: i.kind !== 'staff' })),
  ].filter((n) => index.cases.some((c) => c.id === n.caseId));
  if (named.length === 0) return undefined;
  const senders = sender === undefined ? [] : named.filter((n) => addressesOf(caseById(index, n.caseId)).includes(sender));
  const pool = senders.length > 0 ? senders : named;
  const latest = pool.reduce((a, b) => (b.at > a.at ? b : a));
  return { kase: caseById(index, latest.caseId), customerFacing: pool.some((n) => n.caseId === latest.caseId && n.customerFacing) };
}

function caseById(index: ThreadIndex, id: bigint): CaseKey {
  return index.cases.find((c) => c.id === id)!;
}

function caseByToken(index: ThreadIndex, keys: ThreadKeys): CaseKey | undefined {
  // A footer token must belong to the reference it is written beside.
  return index.cases.find(
    (c) => keys.tokens.includes(c.token) || keys.referencesWithToken.some((p) => p.token === c.token && p.reference === c.reference),
  );
}

function forgedThread(byHeaders: { kase: CaseKey; customerFacing: boolean }, byToken: CaseKey | undefined): string | undefined {
  if (byToken && byToken.id !== byHeaders.kase.id) return `its Message-IDs name ${byHeaders.kase.reference} but its case token names ${byToken.reference}`;
  if (!byHeaders.customerFacing) return 'it answers a message that only staff received';
  return undefined;
}

function addressesOf(c: CaseKey): string[] {
  return [c.customer_email, c.customer_registered_email, c.representative_email].filter((a): a is string => a !== null);
}

function toMatch(c: CaseKey, via: ThreadMatch['via']): ThreadMatch {
  return { caseId: c.id, reference: c.reference, status: c.status, via, caseAddresses: addressesOf(c) };
}
