import type { Db } from '../db/pool.ts';
import { caseAddresses } from '../cases/cases-repo.ts';
import type { extractThreadKeys } from './thread-keys.ts';
import type { ThreadMatch } from './types.ts';

type ThreadKeys = ReturnType<typeof extractThreadKeys>;

interface CaseHit {
  id: bigint;
  reference: string;
  status: string;
}

/**
 * Finds the case a message threads to: our Message-IDs in In-Reply-To/References first,
 * then the case token (plus-address or reference/token footer). A reference named
 * without its token is returned separately: it may only serve staff.
 */
export async function lookupThread(db: Db, keys: ThreadKeys): Promise<{ thread: ThreadMatch | null; namedReference: ThreadMatch | null }> {
  const byHeaders = await caseByOurMessageIds(db, keys.messageIds);
  const byToken = await caseByToken(db, keys);
  const hit = byHeaders ?? byToken;
  const thread = hit ? await toMatch(db, hit, byHeaders ? 'headers' : 'token') : null;
  if (thread && byHeaders) {
    const forged = forgedThread(byHeaders, byToken);
    if (forged) thread.forged = forged;
  }
  const named = thread ? undefined : await caseByReference(db, keys.namedReferences);
  return { thread, namedReference: named ? await toMatch(db, named, 'reference') : null };
}

/**
 * A thread the customer cannot have: it answers only messages staff received, or its
 * Message-IDs and its case token name different cases. Such a message is recorded but
 * may not act for the customer.
 */
function forgedThread(byHeaders: CaseHit & { customerFacing: boolean }, byToken: CaseHit | undefined): string | undefined {
  if (byToken && byToken.id !== byHeaders.id) return `its Message-IDs name ${byHeaders.reference} but its case token names ${byToken.reference}`;
  if (!byHeaders.customerFacing) return 'it answers a message that only staff received';
  return undefined;
}

async function caseByOurMessageIds(db: Db, ids: string[]): Promise<(CaseHit & { customerFacing: boolean }) | undefined> {
  if (ids.length === 0) return undefined;
  const [row] = await db<[(CaseHit & { customerFacing: boolean })?]>`
    select c.id, c.reference, c.status, bool_or(o.audience = 'customer') as "customerFacing"
    from outbound_messages o join cases c on c.id = o.case_id
    where o.message_id = any(${ids})
    group by c.id, c.reference, c.status
    order by max(o.created_at) desc limit 1`;
  return row;
}

async function caseByToken(db: Db, keys: ThreadKeys): Promise<CaseHit | undefined> {
  const tokens = [...new Set([...keys.tokens, ...keys.referencesWithToken.map((r) => r.token)])];
  if (tokens.length === 0) return undefined;
  const rows = await db<(CaseHit & { token: string })[]>`
    select id, reference, status, token from cases where token = any(${tokens})`;
  // A footer token must belong to the reference it is written beside.
  return rows.find(
    (r) =>
      keys.tokens.includes(r.token) ||
      keys.referencesWithToken.some((p) => p.token === r.token && p.reference === r.reference),
  );
}

async function caseByReference(db: Db, references: string[]): Promise<CaseHit | undefined> {
  if (references.length === 0) return undefined;
  const [row] = await db<[CaseHit?]>`
    select id, reference, status from cases where reference = any(${references}) order by id limit 1`;
  return row;
}

async function toMatch(db: Db, hit: CaseHit, via: ThreadMatch['via']): Promise<ThreadMatch> {
  return { caseId: hit.id, reference: hit.reference, status: hit.status, via, caseAddresses: await caseAddresses(db, hit.id) };
}
