import type { HistoryDraft, SendIntent } from '../outbound/intents.ts';
import { planCaseMessage, planStaffMessage } from '../outbound/planner.ts';
import { planDeadlines, reconcileDeadlines, type DeadlineKind } from '../policy/deadlines.ts';
import type { CaseFacts, Decision } from './decision.ts';
import { decide, type LifecycleEvent } from './lifecycle.ts';
import { caseOf, partiesOf, type CaseState, type DomainDeps, type World } from './world.ts';

/** Who caused an event, and where its answers go. */
export interface EventContext {
  eventKey: string;
  actor: string;
  inboundMessageId?: bigint;
  /** The envelope sender of the message being answered (RFC 3834). */
  senderAddress?: string;
  /** The From address of the message answered: automatic answers quote it only to this address. */
  fromAddress?: string;
  /** The sender whose mail caused this: staff alerts about one sender are capped per day. */
  aboutSender?: string;
  staffAddress?: string;
  answering?: string;
}

/**
 * Applying a decision, purely: the lifecycle decides, and the case's facts, its messages,
 * its re-planned deadlines and every history entry (R18) are recorded in the world's
 * changes for the writer. A refused command is recorded and explained to its sender alone.
 */
export function advance(world: World, deps: DomainDeps, caseId: bigint, event: LifecycleEvent, ctx: EventContext): Decision {
  const kase = caseOf(world, caseId);
  const d = decide(kase.facts, event, deps.now);
  if (d.error) {
    refuse(world, deps, kase, d.error, event, ctx);
    return d;
  }
  kase.facts = { ...kase.facts, ...d.patch };
  world.changes.cases.add(kase);
  for (const intent of d.sends) send(world, deps, kase, intent, ctx, ctx.eventKey);
  const history: HistoryDraft[] = d.history.map((h) => ({ caseId, at: deps.now, actor: ctx.actor, event: h.event, data: h.data, inboundMessageId: ctx.inboundMessageId }));
  world.changes.history.push(...history, ...replan(world, deps, kase, d.kept));
  return d;
}

/** Plans one intent of a case's decision into messages (with their history entries). */
function send(world: World, deps: DomainDeps, kase: CaseState, intent: SendIntent, ctx: EventContext, eventKey: string): void {
  const planned = planCaseMessage(
    deps.outbox,
    { id: kase.id, parties: partiesOf(world, kase), facts: kase.facts, thread: kase.thread },
    world.staff,
    world.ledger,
    { intent, eventKey, senderAddress: ctx.senderAddress, fromAddress: ctx.fromAddress, aboutSender: ctx.aboutSender, staffAddress: ctx.staffAddress, answering: ctx.answering, now: deps.now },
  );
  world.changes.messages.push(...planned.messages);
  world.changes.history.push(...planned.history);
}

/** Re-plans the case's deadlines; returns their history (R18: every deadline set, met, missed, cancelled or re-planned says so). */
function replan(world: World, deps: DomainDeps, kase: CaseState, kept: DeadlineKind[]): HistoryDraft[] {
  const now = deps.now;
  const pending = kase.deadlines.filter((d) => d.status === 'pending');
  const stored = pending.map((d, i) => ({ id: BigInt(i), kind: d.kind, dueAt: d.dueAt }));
  const changes = reconcileDeadlines(stored, planDeadlines(kase.facts, deps.calendar, deps.policy), kept, now, deps.policy.graceSeconds);
  return changes.map((change) => {
    if (change.op === 'resolve') {
      const d = pending[Number(change.id)]!;
      d.status = change.status;
      d.resolvedAt = now;
      world.changes.deadlines.add(d);
      return { caseId: kase.id, at: now, actor: 'system', event: `deadline.${change.status}`, data: { kind: change.kind, due_at: change.dueAt.toISOString() } };
    }
    const d = { caseId: kase.id, kind: change.kind, rule: change.rule, dueAt: change.dueAt, status: 'pending' as const, createdAt: now, resolvedAt: null };
    kase.deadlines.push(d);
    world.changes.deadlines.add(d);
    return { caseId: kase.id, at: now, actor: 'system', event: 'deadline.set', data: { kind: change.kind, rule: change.rule, due_at: change.dueAt.toISOString() } };
  });
}

/** A refused command is recorded on the case and explained to the staff member alone. */
function refuse(world: World, deps: DomainDeps, kase: CaseState, error: string, event: LifecycleEvent, ctx: EventContext): void {
  const command = event.type === 'staff_command' ? event.command.verb : 'command';
  world.changes.history.push({ caseId: kase.id, at: deps.now, actor: ctx.actor, event: 'command.refused', data: { command, error }, inboundMessageId: ctx.inboundMessageId });
  if (!ctx.staffAddress) return;
  const intent: SendIntent = { kind: 'staff_alert', to: 'actor', automatic: false, data: { title: command === 'command' ? 'Command not understood' : `Command #${command} refused`, details: [error], nextSteps: 'Correct the command and send it again.' } };
  send(world, deps, kase, intent, ctx, `${ctx.eventKey}:refused`);
}

/** A note about no case, to one staff member or to all staff (capped per sender like any alert). */
export function noticeToStaff(
  world: World,
  deps: DomainDeps,
  n: { to: string | 'staff'; title: string; details: string[]; nextSteps: string; eventKey: string; inReplyTo?: string; aboutSender?: string },
): void {
  const data = { organisation: deps.outbox.settings.organisation, title: n.title, owed: n.title, details: n.details, nextSteps: n.nextSteps };
  const planned = planStaffMessage(deps.outbox, world.staff, world.ledger, { kind: 'staff_alert', data, to: n.to === 'staff' ? 'staff' : [n.to], idempotencyKey: n.eventKey, now: deps.now, inReplyTo: n.inReplyTo, aboutSender: n.aboutSender });
  world.changes.messages.push(...planned.messages);
}

export type { CaseFacts };
