import type { Clock } from '../clock.ts';
import type { Tx } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { advance, type EventContext } from './apply.ts';
import type { Decision } from './decision.ts';
import type { LifecycleEvent } from './lifecycle.ts';
import { persist, type EnqueueSends } from './writer.ts';
import type { CaseIntakeSettings, NewComplaint } from './case-intake.ts';
import { openForCustomer, type StaffOpening } from './staff-opened.ts';
import type { CaseState, DomainDeps, World } from './world.ts';
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
export function actOnCase<T>(tx: Tx, deps: CaseDeps, caseId: bigint, decideOn: (world: World, domain: DomainDeps) => T): Promise<T> {
  return actOnCases(tx, deps, [caseId], decideOn);
}

/** Decisions about several cases against one loaded (and locked) world, written together. */
export async function actOnCases<T>(tx: Tx, deps: CaseDeps, caseIds: readonly bigint[], decideOn: (world: World, domain: DomainDeps) => T): Promise<T> {
  const now = deps.clock.now();
  const world = await loadWorld(tx, { caseIds, customerEmails: [], reserve: { cases: 0, customers: 0 }, recipients: [], senders: [], summaryKeys: [], now, repeatSince: now });
  const missing = caseIds.find((id) => !world.cases.has(id));
  if (missing !== undefined) throw new Error(`no case with id ${missing}`);
  const result = decideOn(world, { ...deps.domain, now });
  await persist(tx, deps.enqueue, world.changes);
  return result;
}

const DAY_MS = 86_400_000;

/**
 * The use case of `redress case open`: a complaint staff took by phone, portal or letter
 * becomes a case (load the customer and the caps, decide purely, write), in the caller's
 * transaction.
 */
export async function openComplaint(tx: Tx, deps: CaseDeps, settings: CaseIntakeSettings, c: NewComplaint, o: StaffOpening): Promise<CaseState> {
  const now = deps.clock.now();
  const address = c.from.address;
  const world = await loadWorld(tx, {
    caseIds: [],
    customerEmails: [address],
    reserve: { cases: 1, customers: 1 },
    recipients: [address],
    senders: [address],
    summaryKeys: [`alert-cap:${address}:${deps.domain.calendar.localDate(now)}`],
    now,
    repeatSince: new Date(c.receivedAt.getTime() - settings.repeatWindowDays * DAY_MS),
  });
  const kase = openForCustomer(world, { ...deps.domain, now }, settings, c, o);
  await persist(tx, deps.enqueue, world.changes);
  return kase;
}
