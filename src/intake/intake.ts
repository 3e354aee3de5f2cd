import type { LifecycleDeps } from '../cases/advance.ts';
import { routeArrival, type Collision } from '../cases/arrivals.ts';
import type { CaseIntakeSettings } from '../cases/case-intake.ts';
import type { Clock } from '../clock.ts';
import type { Db, Sql } from '../db/pool.ts';
import { errorMessage, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import { activeStaffAddresses } from '../staff/staff-repo.ts';
import { classify } from './classify.ts';
import { collisionIdentity, contentSha256 } from './identity.ts';
import { findInboundByIdentity, findSameMessage, insertAttachments, insertInbound, insertQuarantined } from './inbound-repo.ts';
import { parseMessage } from './parse.ts';
import { judgeSender } from './sender-auth.ts';
import { extractThreadKeys } from './thread-keys.ts';
import { lookupThread } from './threading.ts';
import type { AfterStore, IntakeInput, IntakeLimits, IntakeOutcome, ParsedMessage } from './types.ts';

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
  const messageId = parsed.ok ? parsed.message.messageId : parsed.messageId;
  const content = contentSha256(input.raw);
  const outcome = await deps.sql
    .begin(async (tx) => {
      const seen = await findSameMessage(tx, identity, messageId, content);
      const key: StoreKey = seen.first
        ? { identity: collisionIdentity(identity, content), contentSha256: content, collision: { firstInboundId: seen.first.id, firstFrom: seen.first.from_address } }
        : { identity, contentSha256: content };
      const result = seen.same ? duplicate(seen.same) : parsed.ok ? await store(tx, deps, input, parsed.message, key) : await quarantine(tx, input, parsed, key);
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
        const seen = await findSameMessage(tx, identity, messageId, content);
        if (seen.same) return duplicate(seen.same);
        const key: StoreKey = seen.first ? { identity: collisionIdentity(identity, content), contentSha256: content } : { identity, contentSha256: content };
        const result = await quarantine(tx, input, { ok: false, identity, rawSha256: rawSha256(parsed), size: input.raw.length, reason, limitBreaches: [], ...(messageId ? { messageId } : {}) }, key);
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

/** Where a new message is stored: its identity, and the earlier message it collides with, if any. */
interface StoreKey {
  identity: string;
  contentSha256: string;
  collision?: Collision;
}

async function quarantine(tx: Db, input: IntakeInput, p: Extract<Awaited<ReturnType<typeof parseMessage>>, { ok: false }>, key: StoreKey): Promise<IntakeOutcome> {
  const id = await insertQuarantined(tx, {
    input,
    identity: key.identity,
    rawSha256: p.rawSha256,
    contentSha256: key.contentSha256,
    collidesWith: key.collision?.firstInboundId,
    reason: p.reason,
    limitBreaches: p.limitBreaches,
    messageId: p.messageId,
  });
  return id === undefined ? duplicate((await findInboundByIdentity(tx, key.identity))!) : { status: 'stored', inboundId: id, kind: 'quarantined', caseOpened: false };
}

async function store(tx: Db, deps: IntakeDeps, input: IntakeInput, msg: ParsedMessage, key: StoreKey): Promise<IntakeOutcome> {
  const { cls, mentioned, senderAuth } = await classifyInContext(tx, deps.settings, input, msg, key.collision);
  const inboundId = await insertInbound(tx, { input, identity: key.identity, rawSha256: msg.rawSha256, contentSha256: key.contentSha256, collidesWith: key.collision?.firstInboundId, msg, cls, senderAuth });
  if (inboundId === undefined) return duplicate((await findInboundByIdentity(tx, key.identity))!);
  await insertAttachments(tx, inboundId, msg);
  const arrival = { msg, cls, inboundId, receivedAt: input.receivedAt, envelopeFrom: input.envelopeFrom, collision: key.collision };
  const effect = await routeArrival(tx, deps, arrival, mentioned);
  return { status: 'stored', inboundId, kind: cls.kind, caseReference: effect.reference ?? (effect.caseId ? await referenceOf(tx, effect.caseId) : undefined), caseOpened: effect.opened };
}

async function classifyInContext(tx: Db, settings: IntakeSettings, input: IntakeInput, msg: ParsedMessage, collision: Collision | undefined) {
  const { thread, namedReference } = await lookupThread(tx, extractThreadKeys(msg));
  const senderAuth = judgeSender(settings.authservId, input.receiverAuth, msg.headerLines, msg.from?.address);
  const cls = classify(msg, {
    ownAddresses: settings.ownAddresses,
    staffAddresses: await activeStaffAddresses(tx),
    staffAuthRequired: settings.staffAuthRequired,
    senderAuth,
    thread,
    namedReference,
    missingFactsMinWords: settings.missingFactsMinWords,
  });
  if (collision) cls.reasons.push(`message-id-collision: inbound ${collision.firstInboundId}`);
  return { cls, senderAuth, mentioned: (thread ?? namedReference)?.caseId };
}

async function referenceOf(tx: Db, caseId: bigint): Promise<string> {
  const [row] = await tx<[{ reference: string }]>`select reference from cases where id = ${caseId}`;
  return row.reference;
}
