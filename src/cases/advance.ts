import type { Clock } from '../clock.ts';
import type { Db } from '../db/pool.ts';
import { RedressError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { BusinessCalendar } from '../policy/calendar.ts';
import { planDeadlines, reconcileDeadlines, type DeadlineKind } from '../policy/deadlines.ts';
import type { PolicySettings } from '../policy/settings.ts';
import { applyDeadlineChanges, pendingDeadlines } from './deadlines-repo.ts';
import { loadFactsForUpdate, saveFacts } from './facts-repo.ts';
import { appendHistory, appendHistoryMany, type HistoryEntry } from './history-repo.ts';
import { decide, type CaseFacts, type Decision, type LifecycleEvent, type SendIntent } from './lifecycle.ts';

/** Where a decision's messages go: rendered, stored and enqueued in the caller's transaction. */
export interface Outbox {
  queue(tx: Db, req: OutboxRequest): Promise<bigint | undefined>;
  /** A note about no case, to one staff member (a command that names none) or to all staff. */
  noticeToStaff(tx: Db, n: StaffNotice): Promise<void>;
}

export interface StaffNotice {
  to: string | 'staff';
  title: string;
  details: string[];
  nextSteps: string;
  eventKey: string;
  inReplyTo?: string;
  now: Date;
  /** The sender whose mail caused it: alerts about one sender are capped per day. */
  aboutSender?: string;
}

export interface OutboxRequest {
  caseId: bigint;
  intent: SendIntent;
  /** Unique per causing event (an inbound message, a deadline, a CLI invocation): one event, one message. */
  eventKey: string;
  /** The envelope sender of the message being answered (RFC 3834), for audience 'sender'. */
  senderAddress?: string;
  /** The From address of the message being answered: an automatic answer quotes it only to this address. */
  fromAddress?: string;
  /** The sender whose mail caused this message: staff alerts about one sender are capped per day. */
  aboutSender?: string;
  /** For errors answered to one staff member only. */
  staffAddress?: string;
  /** Message-ID of the staff member's message an answer to them threads to. */
  answering?: string;
  facts: CaseFacts;
  now: Date;
}

export interface LifecycleDeps {
  clock: Clock;
  log: Logger;
  calendar: BusinessCalendar;
  policy: PolicySettings;
  outbox: Outbox;
}

export interface EventContext {
  eventKey: string;
  actor: string;
  inboundMessageId?: bigint;
  senderAddress?: string;
  fromAddress?: string;
  aboutSender?: string;
  staffAddress?: string;
  answering?: string;
}

/**
 * The lifecycle use case: lock the case, decide, then record the decision (state, history,
 * messages, deadlines) in the same transaction, so a committed event always has its
 * messages queued and its deadlines re-planned.
 */
export async function advanceCase(tx: Db, deps: LifecycleDeps, caseId: bigint, event: LifecycleEvent, ctx: EventContext): Promise<Decision> {
  const facts = await loadFactsForUpdate(tx, caseId);
  if (!facts) throw new RedressError('not_found', `no case with id ${caseId}`);
  const now = deps.clock.now();
  const d = decide(facts, event, now);
  if (d.error) {
    await refuse(tx, deps, caseId, facts, d.error, event, ctx, now);
    return d;
  }
  const next: CaseFacts = { ...facts, ...d.patch };
  await saveFacts(tx, caseId, d.patch);
  const history = d.history.map((h) => ({ caseId, at: now, actor: ctx.actor, event: h.event, data: h.data, inboundMessageId: ctx.inboundMessageId }));
  for (const intent of d.sends) {
    await deps.outbox.queue(tx, { caseId, intent, eventKey: ctx.eventKey, senderAddress: ctx.senderAddress, fromAddress: ctx.fromAddress, aboutSender: ctx.aboutSender, staffAddress: ctx.staffAddress, answering: ctx.answering, facts: next, now });
  }
  await appendHistoryMany(tx, [...history, ...(await replan(tx, deps, caseId, next, d.kept, now))]);
  deps.log.debug({ caseId, event: event.type, sends: d.sends.map((s) => s.kind) }, 'case advanced');
  return d;
}

/** Re-plans the case's deadlines; returns the history entries (R18: every deadline set, met, missed, cancelled or re-planned says so). */
async function replan(tx: Db, deps: LifecycleDeps, caseId: bigint, facts: CaseFacts, kept: DeadlineKind[], now: Date): Promise<HistoryEntry[]> {
  const changes = reconcileDeadlines(await pendingDeadlines(tx, caseId), planDeadlines(facts, deps.calendar, deps.policy), kept, now, deps.policy.graceSeconds);
  await applyDeadlineChanges(tx, caseId, changes, now);
  return changes.map((change) => ({
    caseId,
    at: now,
    actor: 'system',
    event: change.op === 'insert' ? 'deadline.set' : `deadline.${change.status}`,
    data: change.op === 'insert' ? { kind: change.kind, rule: change.rule, due_at: change.dueAt.toISOString() } : { kind: change.kind, due_at: change.dueAt.toISOString() },
  }));
}

/** A refused command is recorded on the case and explained to the staff member alone. */
async function refuse(tx: Db, deps: LifecycleDeps, caseId: bigint, facts: CaseFacts, error: string, event: LifecycleEvent, ctx: EventContext, now: Date): Promise<void> {
  const command = event.type === 'staff_command' ? event.command.verb : 'command';
  await appendHistory(tx, { caseId, at: now, actor: ctx.actor, event: 'command.refused', data: { command, error }, inboundMessageId: ctx.inboundMessageId });
  if (!ctx.staffAddress) return;
  const intent: SendIntent = { kind: 'staff_alert', to: 'actor', automatic: false, data: { title: command === 'command' ? 'Command not understood' : `Command #${command} refused`, details: [error], nextSteps: 'Correct the command and send it again.' } };
  await deps.outbox.queue(tx, { caseId, intent, eventKey: `${ctx.eventKey}:refused`, staffAddress: ctx.staffAddress, answering: ctx.answering, facts, now });
}
