import { routeArrival, type Arrival } from '../cases/arrivals.ts';
import type { CaseIntakeSettings } from '../cases/case-intake.ts';
import { caseKeys } from '../cases/cases-repo.ts';
import { persist, type EnqueueSends } from '../cases/writer.ts';
import type { DomainDeps } from '../cases/world.ts';
import { loadWorld } from '../cases/world-repo.ts';
import type { Clock } from '../clock.ts';
import { planFresh, type Sql, type Tx } from '../db/pool.ts';
import { errorMessage, isRetryable } from '../errors.ts';
import type { Logger } from '../log.ts';
import { outboundByMessageIds } from '../outbound/outbox-repo.ts';
import { listStaff } from '../staff/staff-repo.ts';
import { assignIds, decideBatch, followUpParts, type BatchItem } from './batch.ts';
import { contentSha256 } from './identity.ts';
import { inboundOnCases, insertInbound, reserveInbound, stageLargeRaw, storedIdentities } from './inbound-repo.ts';
import { parseMessage } from './parse.ts';
import { extractThreadKeys } from './thread-keys.ts';
import { attachmentContent } from './attachment-content.ts';
import { attachedOriginalPart } from './forward-opening.ts';
import type { IntakeInput, IntakeLimits, IntakeOutcome, PreparedBatch } from './types.ts';

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

export interface IntakeDeps {
  sql: Sql;
  clock: Clock;
  log: Logger;
  settings: IntakeSettings;
  domain: Omit<DomainDeps, 'now'>;
  enqueue: EnqueueSends;
  observe?: IntakeObserver;
  /** Test seam: runs after the batch is decided and before it is written. */
  hooks?: { beforeWrite?(inputs: readonly IntakeInput[]): void };
}

/** Runs in the intake transaction after the messages are stored, so a source's cursor commits with them. */
export type BatchAfterStore = (tx: Tx, stored: readonly IntakeInput[]) => Promise<void>;

/** The part of intake that needs no database (parse, hash): CPU a source overlaps with the previous batch's transaction. */
export async function prepareBatch(deps: Pick<IntakeDeps, 'settings'>, inputs: readonly IntakeInput[]): Promise<PreparedBatch> {
  const items: BatchItem[] = [];
  for (const input of inputs) items.push(await batchItem(input, deps.settings.limits));
  return { inputs, items };
}

/**
 * The intake use case: a batch of messages becomes its records in one transaction. Parse
 * each; read what the batch needs in one round; decide message by message, in arrival
 * order, against that snapshot (duplicates, collisions, classification, the cases'
 * lifecycle, the outbox); write every row set-based; let the source move its cursor; commit.
 */
export async function intakeBatch(deps: IntakeDeps, inputs: readonly IntakeInput[], afterStore?: BatchAfterStore): Promise<IntakeOutcome[]> {
  return commitBatch(deps, await prepareBatch(deps, inputs), afterStore);
}

/** A prepared batch read, decided, written and committed (see intakeBatch). */
export async function commitBatch(deps: IntakeDeps, { inputs, items }: PreparedBatch, afterStore?: BatchAfterStore): Promise<IntakeOutcome[]> {
  const outcomes = await deps.sql.begin(async (tx) => {
    const written: IntakeOutcome[] = [];
    // A follow-up that came in the same batch as the message it answers is decided after that one is written.
    for (const part of followUpParts(items)) written.push(...(await decideAndWrite(deps, tx, part)));
    await afterStore?.(tx, inputs);
    return written;
  });
  const committedAt = deps.clock.now();
  for (const input of inputs) deps.observe?.messageCommitted(input.source, input.receivedAt, committedAt);
  for (const [i, o] of outcomes.entries()) {
    deps.log.info({ source: inputs[i]!.source, sourceRef: inputs[i]!.sourceRef, inboundId: o.inboundId, kind: o.kind, case: o.caseReference, status: o.status }, o.status === 'duplicate' ? 'message already stored' : 'message stored');
  }
  return outcomes;
}

/** Read, decide and write one part of a batch inside the batch's transaction. */
async function decideAndWrite(deps: IntakeDeps, tx: Tx, items: readonly BatchItem[]): Promise<IntakeOutcome[]> {
  const now = deps.clock.now();
  const plan = decideBatch(items, await readRound(tx, items), deps.settings, deps.domain.calendar, now);
  assignIds(plan.stored, await reserveInbound(tx, plan.stored.length));
  const world = await loadWorld(tx, { ...plan.needs, now });
  const domain: DomainDeps = { ...deps.domain, now };
  for (const s of plan.stored) {
    if (!s.arrival) continue;
    const arrival: Arrival = { ...s.arrival, inboundId: s.row.id };
    const effect = routeArrival(world, domain, deps.settings, arrival);
    s.row.caseId = effect.caseId ?? null;
    if (s.companion) s.companion.row.caseId = effect.opened ? (effect.caseId ?? null) : null;
    s.outcome = { ...s.outcome, inboundId: s.row.id, ...(effect.reference ? { caseReference: effect.reference } : {}), caseOpened: effect.opened };
  }
  deps.hooks?.beforeWrite?.(items.map((it) => it.input));
  const rows = plan.stored.map((s) => s.row);
  await planFresh(tx, false);
  await stageLargeRaw(tx, rows);
  await persist(tx, deps.enqueue, world.changes, () => insertInbound(tx, rows));
  return plan.outcomes.map((o) => ('row' in o ? { ...o.outcome, inboundId: o.row.id } : o));
}

/** A message parsed; with `#open`, the customer's email attached to it parsed too. */
async function batchItem(input: IntakeInput, limits: IntakeLimits): Promise<BatchItem> {
  const parsed = await parseMessage(input.raw, limits);
  const item: BatchItem = { input, parsed, content: contentSha256(input.raw) };
  const part = parsed.ok ? attachedOriginalPart(parsed.message) : undefined;
  if (!part) return item;
  const raw = await attachmentContent(input.raw, { partId: part.partId, sha256: part.sha256 });
  return { ...item, attached: { raw, parsed: await parseMessage(raw, limits), content: contentSha256(raw) } };
}

/** What the batch reads before deciding: stored identities, our messages and cases its thread keys name, the staff. These reads and the world's are planned afresh (planFresh). */
async function readRound(tx: Tx, items: readonly BatchItem[]) {
  const messages = items.flatMap((it) => (it.parsed.ok ? [it.parsed.message] : []));
  const attached = items.flatMap((it) => (it.attached?.parsed.ok ? [it.attached.parsed.message] : []));
  const keys = messages.map(extractThreadKeys);
  const named = [...new Set([...keys.flatMap((k) => k.messageIds), ...messages.flatMap((m) => (m.deliveryReport?.originalMessageId ? [m.deliveryReport.originalMessageId] : []))])];
  const [, stored, outbound, inbound, cases, staff] = await Promise.all([
    planFresh(tx, true),
    storedIdentities(
      tx,
      [...items.map((it) => (it.parsed.ok ? it.parsed.message.identity : it.parsed.identity)), ...attached.map((m) => m.identity)],
      [...items.flatMap((it) => (it.parsed.ok ? it.parsed.message.messageId : it.parsed.messageId) ?? []), ...attached.flatMap((m) => m.messageId ?? [])],
    ),
    outboundByMessageIds(tx, named),
    inboundOnCases(tx, named),
    caseKeys(tx, { tokens: [...new Set(keys.flatMap((k) => [...k.tokens, ...k.referencesWithToken.map((r) => r.token)]))], references: [...new Set(keys.flatMap((k) => k.namedReferences))], messageIds: named }),
    listStaff(tx),
  ]);
  return { stored, threads: { outbound, inbound, cases }, staff };
}

/**
 * One message: a batch of one, and when its processing fails for good it is kept raw and
 * quarantined with the reason (loses nothing); only a database that is down leaves it with
 * the source to retry later.
 */
export async function intakeMessage(deps: IntakeDeps, input: IntakeInput, afterStore?: BatchAfterStore): Promise<IntakeOutcome> {
  try {
    return (await intakeBatch(deps, [input], afterStore))[0]!;
  } catch (err) {
    if (isRetryable(err)) throw err;
    deps.log.error({ err, sourceRef: input.sourceRef }, 'processing failed; quarantining the message');
    return quarantineAfterFailure(deps, input, `processing failed: ${errorMessage(err).slice(0, 500)}`, afterStore);
  }
}

/**
 * A batch: written together, and when it fails for good, message by message so that one
 * poison message is quarantined alone and the rest are stored (nothing lost, nothing doubled).
 */
export async function intakeMessages(deps: IntakeDeps, inputs: readonly IntakeInput[], afterStore?: BatchAfterStore): Promise<IntakeOutcome[]> {
  if (inputs.length === 0) return [];
  try {
    return await intakeBatch(deps, inputs, afterStore);
  } catch (err) {
    if (isRetryable(err) || inputs.length === 1) {
      if (isRetryable(err)) throw err;
      return [await quarantineAfterFailure(deps, inputs[0]!, `processing failed: ${errorMessage(err).slice(0, 500)}`, afterStore)];
    }
    deps.log.warn({ err: errorMessage(err), messages: inputs.length }, 'a batch failed; taking its messages one at a time');
    const outcomes: IntakeOutcome[] = [];
    for (const input of inputs) outcomes.push(await intakeMessage(deps, input, afterStore));
    return outcomes;
  }
}

async function quarantineAfterFailure(deps: IntakeDeps, input: IntakeInput, reason: string, afterStore?: BatchAfterStore): Promise<IntakeOutcome> {
  const parsed = await parseMessage(input.raw, deps.settings.limits);
  const identity = parsed.ok ? parsed.message.identity : parsed.identity;
  const messageId = (parsed.ok ? parsed.message.messageId : parsed.messageId) ?? null;
  const item: BatchItem = { input, parsed: { ok: false, identity, rawSha256: parsed.ok ? parsed.message.rawSha256 : parsed.rawSha256, size: input.raw.length, reason, limitBreaches: [], ...(messageId ? { messageId } : {}) }, content: contentSha256(input.raw) };
  return deps.sql.begin(async (tx) => {
    const plan = decideBatch([item], { stored: await storedIdentities(tx, [identity], messageId ? [messageId] : []), threads: { outbound: [], inbound: [], cases: [] }, staff: [] }, deps.settings, deps.domain.calendar, deps.clock.now());
    assignIds(plan.stored, await reserveInbound(tx, plan.stored.length));
    const rows = plan.stored.map((s) => s.row);
    await stageLargeRaw(tx, rows);
    await Promise.all(insertInbound(tx, rows));
    await afterStore?.(tx, [input]);
    const o = plan.outcomes[0]!;
    return 'row' in o ? { ...o.outcome, inboundId: o.row.id } : o;
  });
}
