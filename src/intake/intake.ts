import type { LifecycleDeps } from '../cases/advance.ts';
import { routeArrival } from '../cases/arrivals.ts';
import type { CaseIntakeSettings } from '../cases/case-intake.ts';
import type { Clock } from '../clock.ts';
import type { Db, Sql } from '../db/pool.ts';
import { errorMessage, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import { activeStaffAddresses } from '../staff/staff-repo.ts';
import { classify } from './classify.ts';
import { findInboundByIdentity, insertAttachments, insertInbound, insertQuarantined } from './inbound-repo.ts';
import { parseMessage } from './parse.ts';
import { extractThreadKeys } from './thread-keys.ts';
import { lookupThread } from './threading.ts';
import type { AfterStore, Classification, IntakeInput, IntakeLimits, IntakeOutcome, ParsedMessage } from './types.ts';

export interface IntakeSettings extends CaseIntakeSettings {
  limits: IntakeLimits;
  ownAddresses: ReadonlySet<string>;
  staffAuthRequired: boolean;
  authservId?: string;
  missingFactsMinWords: number;
}

/** Told when a message has committed, for the intake-lag histogram. */
export interface IntakeObserver {
  messageCommitted(source: IntakeInput['source'], receivedAt: Date, committedAt: Date): void;
}

export interface IntakeDeps extends LifecycleDeps {
  sql: Sql;
  clock: Clock;
  log: Logger;
  settings: IntakeSettings;
  observe?: IntakeObserver;
}

/**
 * Every message becomes exactly one record: parsed and classified, stored with its raw
 * bytes, and put on its case, all in one transaction with the source's own bookkeeping
 * (`afterStore`). A message whose identity is already stored is a duplicate: nothing is
 * written but the source may still advance.
 */
export async function intakeMessage(deps: IntakeDeps, input: IntakeInput, afterStore?: AfterStore): Promise<IntakeOutcome> {
  const parsed = await parseMessage(input.raw, deps.settings.limits);
  const identity = parsed.ok ? parsed.message.identity : parsed.identity;
  const outcome = await deps.sql
    .begin(async (tx) => {
      const known = await findInboundByIdentity(tx, identity);
      const result = known ? duplicate(known) : parsed.ok ? await store(tx, deps, input, parsed.message) : await quarantine(tx, input, parsed);
      await afterStore?.(tx);
      return result;
    })
    .catch((err: unknown) => {
      // Loses nothing: a message whose processing fails for good is kept raw and quarantined
      // with the reason; only a database that is down (retryable) leaves it with the source.
      if (isRetryable(err)) throw err;
      deps.log.error({ err, sourceRef: input.sourceRef }, 'processing failed; quarantining the message');
      const reason = `processing failed: ${errorMessage(err).slice(0, 500)}`;
      return deps.sql.begin(async (tx) => {
        const result = await quarantine(tx, input, { ok: false, identity, rawSha256: rawSha256(parsed), size: input.raw.length, reason, limitBreaches: [] });
        await afterStore?.(tx);
        return result;
      });
    });
  if (outcome.status === 'stored') deps.observe?.messageCommitted(input.source, input.receivedAt, deps.clock.now());
  deps.log.info(
    { source: input.source, sourceRef: input.sourceRef, inboundId: outcome.inboundId, kind: outcome.kind, case: outcome.caseReference, status: outcome.status },
    outcome.status === 'duplicate' ? 'message already stored' : 'message stored',
  );
  return outcome;
}

function rawSha256(parsed: Awaited<ReturnType<typeof parseMessage>>): string {
  return parsed.ok ? parsed.message.rawSha256 : parsed.rawSha256;
}

function duplicate(known: { id: bigint; kind: IntakeOutcome['kind'] }): IntakeOutcome {
  return { status: 'duplicate', inboundId: known.id, kind: known.kind, caseOpened: false };
}

async function quarantine(
  tx: Db,
  input: IntakeInput,
  p: Extract<Awaited<ReturnType<typeof parseMessage>>, { ok: false }>,
): Promise<IntakeOutcome> {
  const id = await insertQuarantined(tx, { input, identity: p.identity, rawSha256: p.rawSha256, reason: p.reason, limitBreaches: p.limitBreaches, messageId: p.messageId });
  return id === undefined ? duplicate((await findInboundByIdentity(tx, p.identity))!) : { status: 'stored', inboundId: id, kind: 'quarantined', caseOpened: false };
}

async function store(tx: Db, deps: IntakeDeps, input: IntakeInput, msg: ParsedMessage): Promise<IntakeOutcome> {
  const { cls, mentioned } = await classifyInContext(tx, deps.settings, msg);
  const inboundId = await insertInbound(tx, { input, identity: msg.identity, rawSha256: msg.rawSha256, msg, cls });
  if (inboundId === undefined) return duplicate((await findInboundByIdentity(tx, msg.identity))!);
  await insertAttachments(tx, inboundId, msg);
  const effect = await routeArrival(tx, deps, { msg, cls, inboundId, receivedAt: input.receivedAt }, mentioned);
  return { status: 'stored', inboundId, kind: cls.kind, caseReference: effect.reference ?? (effect.caseId ? await referenceOf(tx, effect.caseId) : undefined), caseOpened: effect.opened };
}

async function classifyInContext(tx: Db, settings: IntakeSettings, msg: ParsedMessage): Promise<{ cls: Classification; mentioned?: bigint }> {
  const { thread, namedReference } = await lookupThread(tx, extractThreadKeys(msg));
  const cls = classify(msg, {
    ownAddresses: settings.ownAddresses,
    staffAddresses: await activeStaffAddresses(tx),
    staffAuthRequired: settings.staffAuthRequired,
    authservId: settings.authservId,
    thread,
    namedReference,
    missingFactsMinWords: settings.missingFactsMinWords,
  });
  return { cls, mentioned: (thread ?? namedReference)?.caseId };
}

async function referenceOf(tx: Db, caseId: bigint): Promise<string> {
  const [row] = await tx<[{ reference: string }]>`select reference from cases where id = ${caseId}`;
  return row.reference;
}
