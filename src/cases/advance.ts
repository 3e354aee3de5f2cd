import type { Clock } from '../clock.ts';
import type { Tx } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { advance, type EventContext } from './apply.ts';
import type { Decision } from './decision.ts';
import type { LifecycleEvent } from './lifecycle.ts';
import { persist, type EnqueueSends } from './writer.ts';
import type { DomainDeps, World } from './world.ts';
import { loadWorld } from './world-repo.ts';

export type { EventContext } from './apply.ts';

/** What acting on cases needs: the pure decisions' settings, a clock, and the send queue. */
export interface CaseDeps {
  clock: Clock;
  log: Logger;
  domain: Omit<DomainDeps, 'now'>;
  enqueue: EnqueueSends;
}

/**
 * The lifecycle use case for one case outside intake (a deadline, a send, a CLI action):
 * load and lock the case, decide purely, write what changed, all in the caller's
 * transaction, so a committed event always has its messages queued and its deadlines re-planned.
 */
export async function advanceCase(tx: Tx, deps: CaseDeps, caseId: bigint, event: LifecycleEvent, ctx: EventContext): Promise<Decision> {
  return actOnCase(tx, deps, caseId, (world, domain) => {
    const d = advance(world, domain, caseId, event, ctx);
    deps.log.debug({ caseId, event: event.type, sends: d.sends.map((s) => s.kind) }, 'case advanced');
    return d;
  });
}

/** Any pure decision about one case, against its loaded (and locked) world, then written. */
export async function actOnCase<T>(tx: Tx, deps: CaseDeps, caseId: bigint, decideOn: (world: World, domain: DomainDeps) => T): Promise<T> {
  const now = deps.clock.now();
  const world = await loadWorld(tx, { caseIds: [caseId], customerEmails: [], reserve: { cases: 0, customers: 0 }, recipients: [], senders: [], summaryKeys: [], now, repeatSince: now });
  if (!world.cases.has(caseId)) throw new Error(`no case with id ${caseId}`);
  const result = decideOn(world, { ...deps.domain, now });
  await persist(tx, deps.enqueue, world.changes);
  return result;
}
