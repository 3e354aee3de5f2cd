import { COMMAND_VERBS, looksLikeCommand, parseCommand } from '../staff/commands.ts';
import { CUSTOMER_REPLY_KINDS, type CustomerReplyKind } from '../vocabulary.ts';
import { advance, noticeToStaff, type EventContext } from './apply.ts';
import { complaintOf, openCase, recordOnCase, type Arrival, type CaseIntakeSettings } from './case-intake.ts';
import { runStaffCommand } from './staff-actions.ts';
import { openForwarded } from './staff-opened.ts';
import { caseOf, type DomainDeps, type World } from './world.ts';

export type { Arrival, Collision } from './case-intake.ts';

export interface ArrivalEffect {
  caseId?: bigint;
  reference?: string;
  opened: boolean;
}

/**
 * What an arrival does to the cases, purely, against the world: a complaint opens one (R1),
 * a customer's reply moves its case (R11, R13, R15), staff mail runs a command, a bounce of
 * our mail alerts staff, and a message naming a case it may not act on is put on that case
 * for staff to see. Everything it changes lands in `world.changes`.
 */
export function routeArrival(world: World, deps: DomainDeps, settings: CaseIntakeSettings, a: Arrival): ArrivalEffect {
  const effect = route(world, deps, settings, a);
  if (a.collision) flagCollision(world, deps, effect.caseId, a);
  return effect;
}

function route(world: World, deps: DomainDeps, settings: CaseIntakeSettings, a: Arrival): ArrivalEffect {
  const ctx = eventContext(a);
  const { kind } = a.cls;
  if (kind === 'complaint') {
    const kase = openCase(world, deps, settings, complaintOf(a));
    advance(world, deps, kase.id, { type: 'opened' }, ctx);
    refuseCommandFromCustomer(world, deps, kase.id, a);
    return { caseId: kase.id, reference: kase.reference, opened: true };
  }
  const target = a.cls.caseId ?? (kind === 'bounce' ? (a.bounceOf?.caseId ?? undefined) : kind === 'other' ? a.mentioned : undefined);
  if (kind === 'bounce' && a.bounceOf && a.msg.deliveryReport?.permanent) {
    const r = a.msg.deliveryReport;
    world.changes.bounced.push({ outboundId: a.bounceOf.outboundId, error: r.diagnostic ?? r.status ?? 'bounced' });
  }
  if (target === undefined) {
    if (kind === 'staff' && a.forwarded) return openForwarded(world, deps, settings, a);
    if (kind === 'staff') commandWithoutCase(world, deps, a);
    else refuseUnauthenticatedStaffMail(world, deps, a);
    return { opened: false };
  }
  recordOnCase(world, caseOf(world, target), a);
  if (a.cls.refused) {
    const { kind: wouldBe, reason } = a.cls.refused;
    advance(world, deps, target, { type: 'customer_action_refused', kind: wouldBe, from: a.msg.from?.address ?? 'unknown', reason }, ctx);
    refuseCommandFromCustomer(world, deps, target, a);
  } else if ((CUSTOMER_REPLY_KINDS as readonly string[]).includes(kind)) {
    advance(world, deps, target, { type: 'customer_message', kind: kind as CustomerReplyKind }, ctx);
    refuseCommandFromCustomer(world, deps, target, a);
  } else if (kind === 'staff') {
    staffMail(world, deps, target, a);
  } else if (kind === 'other') {
    // Not on the case, not staff, or failing staff authentication: a command from it is refused and shown to staff.
    refuseCommandFromCustomer(world, deps, target, a);
  } else if (kind === 'bounce' && a.msg.deliveryReport?.permanent) {
    const r = a.msg.deliveryReport;
    advance(world, deps, target, { type: 'bounced', outboundKind: 'message', recipient: r.failedRecipients.join(', ') || 'unknown', diagnostic: r.diagnostic ?? r.status ?? 'delivery failed' }, { ...ctx, actor: 'system' });
  }
  return { caseId: target, reference: caseOf(world, target).reference, opened: false };
}

/**
 * Who the message is from and where automatic answers go. RFC 3834: to the envelope
 * sender, which is the session's MAIL FROM on SMTP/LMTP and the topmost Return-Path (the
 * delivering MTA's) on IMAP; never a Return-Path the sender wrote lower down.
 */
function eventContext(a: Arrival): EventContext {
  const from = a.msg.from?.address;
  const returnPath = a.msg.headers['return-path']?.[0]?.replace(/[<>\s]/g, '').toLowerCase();
  const envelope = a.envelopeFrom !== undefined ? a.envelopeFrom : returnPath;
  return {
    eventKey: `in:${a.inboundId}`,
    actor: `customer:${from ?? 'unknown'}`,
    inboundMessageId: a.inboundId,
    senderAddress: envelope || from,
    fromAddress: from,
    // Staff alerts this mail causes count against its sender's daily cap.
    aboutSender: a.cls.kind === 'staff' ? undefined : from,
  };
}

function staffMail(world: World, deps: DomainDeps, caseId: bigint, a: Arrival): void {
  const address = a.msg.from!.address;
  const staff = world.staff.find((s) => s.email === address);
  if (!staff || !looksLikeCommand(a.msg.newText)) return;
  runStaffCommand(world, deps, { caseId, parsed: parseCommand(a.msg.newText), staff, eventKey: `in:${a.inboundId}`, inboundMessageId: a.inboundId, messageId: a.msg.messageId, answerByEmail: true });
}

/** A second, different message under a Message-ID already seen: stored as its own message, and staff are told. */
function flagCollision(world: World, deps: DomainDeps, caseId: bigint | undefined, a: Arrival): void {
  const c = a.collision!;
  const details = [
    `Message-ID <${a.msg.messageId ?? ''}> from ${a.msg.from?.address ?? 'unknown'} was first used by ${c.firstFrom ?? 'an unparsed message'} (inbound ${c.firstInboundId}).`,
    'Both are kept; the later one was treated as new, not as a duplicate.',
  ];
  const nextSteps = 'Check whether someone reused the Message-ID to suppress this mail.';
  if (caseId !== undefined) {
    advance(world, deps, caseId, { type: 'identity_collision', details, nextSteps }, { ...eventContext(a), eventKey: `in:${a.inboundId}:collision` });
    return;
  }
  noticeToStaff(world, deps, { to: 'staff', title: 'Two different messages with one Message-ID', details, nextSteps, eventKey: `in:${a.inboundId}:collision`, aboutSender: a.msg.from?.address });
}

/** A staff command that names no case cannot act; the staff member is told how to name one. */
function commandWithoutCase(world: World, deps: DomainDeps, a: Arrival): void {
  if (!looksLikeCommand(a.msg.newText)) return;
  noticeToStaff(world, deps, {
    to: a.msg.from!.address,
    title: 'Command not carried out: no case named',
    details: [`"${a.msg.newText.split(/\r?\n/)[0]!.slice(0, 80)}" does not say which case it is for.`],
    nextSteps: 'Reply on the case thread, or put the case reference (CMP-YYYY-NNNNNN) in the subject.',
    eventKey: `in:${a.inboundId}:no-case`,
    inReplyTo: a.msg.messageId,
  });
}

/** POLICY: what a message asks that it may not do is recorded and shown to staff, never silently dropped. */
function refuseCommandFromCustomer(world: World, deps: DomainDeps, caseId: bigint, a: Arrival): void {
  const parsed = looksLikeCommand(a.msg.newText) ? parseCommand(a.msg.newText) : undefined;
  if (!parsed?.ok || !(COMMAND_VERBS as readonly string[]).includes(parsed.command.verb) || a.cls.reasons.includes('own-address')) return;
  const from = a.msg.from?.address ?? 'unknown';
  const reason = a.cls.reasons.includes('staff-auth-failed') ? 'the message did not pass sender authentication' : 'the sender is not a staff address';
  advance(world, deps, caseId, { type: 'command_refused', verb: parsed.command.verb, from, reason }, { eventKey: `in:${a.inboundId}:command`, actor: `customer:${from}`, inboundMessageId: a.inboundId, aboutSender: from });
}

/** Mail from a staff address that failed sender authentication and names no case: staff still hear of it. */
function refuseUnauthenticatedStaffMail(world: World, deps: DomainDeps, a: Arrival): void {
  if (!a.cls.reasons.includes('staff-auth-failed') || !looksLikeCommand(a.msg.newText)) return;
  const from = a.msg.from?.address ?? 'unknown';
  noticeToStaff(world, deps, {
    to: 'staff',
    title: 'Command refused: sender authentication failed',
    details: [`"${a.msg.newText.split(/\r?\n/)[0]!.slice(0, 80)}" from ${from} names no case and did not pass sender authentication.`, ...a.cls.reasons.filter((r) => r.startsWith('sender-auth'))],
    nextSteps: `Nothing was done. If ${from} did not send it, someone is using that address.`,
    eventKey: `in:${a.inboundId}:unauthenticated`,
    aboutSender: from,
  });
}

