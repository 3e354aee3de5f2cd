import type { ThreadKeys } from './thread-keys.ts';
import type { ThreadMatch } from './types.ts';

/** What the batch's read round found that threading needs: our messages and the cases they name. */
export interface ThreadIndex {
  outbound: readonly { id: bigint; message_id: string; case_id: bigint | null; audience: string; created_at: Date }[];
  cases: readonly { id: bigint; reference: string; token: string; status: string; customer_email: string | null; customer_registered_email: string | null; representative_email: string | null }[];
}

type CaseKey = ThreadIndex['cases'][number];

/**
 * Pure: the case a message threads to, by our Message-IDs in In-Reply-To/References first,
 * then the case token (plus-address, or reference/token footer). A reference named without
 * its token is returned separately: it may only serve staff. A thread the customer cannot
 * have (it answers only mail staff received, or its keys name different cases) is marked forged.
 */
export function lookupThread(index: ThreadIndex, keys: ThreadKeys): { thread: ThreadMatch | null; namedReference: ThreadMatch | null } {
  const byHeaders = caseByOurMessageIds(index, keys.messageIds);
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

function caseByOurMessageIds(index: ThreadIndex, ids: readonly string[]): { kase: CaseKey; customerFacing: boolean } | undefined {
  const hits = index.outbound.filter((o) => o.case_id !== null && ids.includes(o.message_id));
  if (hits.length === 0) return undefined;
  const latest = hits.reduce((a, b) => (b.created_at > a.created_at ? b : a));
  const kase = index.cases.find((c) => c.id === latest.case_id);
  if (!kase) return undefined;
  return { kase, customerFacing: hits.some((o) => o.case_id === kase.id && o.audience === 'customer') };
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

function toMatch(c: CaseKey, via: ThreadMatch['via']): ThreadMatch {
  return {
    caseId: c.id,
    reference: c.reference,
    status: c.status,
    via,
    caseAddresses: [c.customer_email, c.customer_registered_email, c.representative_email].filter((a): a is string => a !== null),
  };
}
