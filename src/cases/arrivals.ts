import type { Db } from '../db/pool.ts';
import { caseForBounce } from '../intake/bounce-repo.ts';
import { setInboundCase } from '../intake/inbound-repo.ts';
import { COMMAND_VERBS, looksLikeCommand, parseCommand } from '../staff/commands.ts';
import { runStaffCommand } from '../staff/staff-actions.ts';
import { findStaffByEmail } from '../staff/staff-repo.ts';
import { advanceCase, type LifecycleDeps } from './advance.ts';
import { openCase, recordOnCase, type Arrival, type CaseIntakeSettings } from './case-intake.ts';

export type { Collision } from './case-intake.ts';
import type { CustomerMessageKind } from './lifecycle.ts';

export interface ArrivalDeps extends LifecycleDeps {
  settings: CaseIntakeSettings;
}

export interface ArrivalEffect {
  caseId?: bigint;
  reference?: string;
  opened: boolean;
}

const CUSTOMER_KINDS = new Set<string>(['reply', 'confirmation', 'not_resolved', 'deadlock_request']);

/**
 * What an arrival does to the cases: a complaint opens one (R1), a customer's reply moves
 * its case (R11, R13, R15), staff mail runs a command, a bounce of our mail alerts staff,
 * and a message naming a case it may not act on is put on that case for staff to see.
 */
export async function routeArrival(tx: Db, deps: ArrivalDeps, a: Arrival, mentioned: bigint | undefined): Promise<ArrivalEffect> {
  const effect = await route(tx, deps, a, mentioned);
  if (a.collision) await flagCollision(tx, deps, effect.caseId, a);
  return effect;
}

async function route(tx: Db, deps: ArrivalDeps, a: Arrival, mentioned: bigint | undefined): Promise<ArrivalEffect> {
  const ctx = eventContext(a);
  const { kind } = a.cls;
  if (kind === 'complaint') {
    const kase = await openCase(tx, deps.settings, a);
    await setInboundCase(tx, a.inboundId, kase.id);
    await advanceCase(tx, deps, kase.id, { type: 'opened' }, ctx);
    await refuseCommandFromCustomer(tx, deps, kase.id, a);
    return { caseId: kase.id, reference: kase.reference, opened: true };
  }
  const target = a.cls.caseId ?? (kind === 'bounce' ? (await caseForBounce(tx, a.msg.deliveryReport))?.id : kind === 'other' ? mentioned : undefined);
  if (target === undefined) {
    if (kind === 'staff') await commandWithoutCase(tx, deps, a);
    else await refuseUnauthenticatedStaffMail(tx, deps, a);
    return { opened: false };
  }
  await setInboundCase(tx, a.inboundId, target);
  await recordOnCase(tx, target, a);
  if (a.cls.refused) {
    const { kind: wouldBe, reason } = a.cls.refused;
    await advanceCase(tx, deps, target, { type: 'customer_action_refused', kind: wouldBe, from: a.msg.from?.address ?? 'unknown', reason }, ctx);
    await refuseCommandFromCustomer(tx, deps, target, a);
  } else if (CUSTOMER_KINDS.has(kind)) {
    await advanceCase(tx, deps, target, { type: 'customer_message', kind: kind as CustomerMessageKind }, ctx);
    await refuseCommandFromCustomer(tx, deps, target, a);
  } else if (kind === 'staff') {
    await staffMail(tx, deps, target, a);
  } else if (kind === 'other') {
    // Not on the case, not staff, or failing staff authentication: a command from it is refused and shown to staff.
    await refuseCommandFromCustomer(tx, deps, target, a);
  } else if (kind === 'bounce' && a.msg.deliveryReport?.permanent) {
    const r = a.msg.deliveryReport;
    await advanceCase(tx, deps, target, { type: 'bounced', outboundKind: 'message', recipient: r.failedRecipients.join(', ') || 'unknown', diagnostic: r.diagnostic ?? r.status ?? 'delivery failed' }, { ...ctx, actor: 'system' });
  }
  return { caseId: target, opened: false };
}

/**
 * Who the message is from and where automatic answers go. RFC 3834: to the envelope
 * sender, which is the session's MAIL FROM on SMTP/LMTP and the topmost Return-Path (the
 * delivering MTA's) on IMAP; never a Return-Path the sender wrote lower down.
 */
function eventContext(a: Arrival) {
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

async function staffMail(tx: Db, deps: ArrivalDeps, caseId: bigint, a: Arrival): Promise<void> {
  const address = a.msg.from!.address;
  const staff = await findStaffByEmail(tx, address);
  if (!staff || !looksLikeCommand(a.msg.newText)) return;
  await runStaffCommand(tx, deps, { caseId, parsed: parseCommand(a.msg.newText), staff, eventKey: `in:${a.inboundId}`, inboundMessageId: a.inboundId, messageId: a.msg.messageId, answerByEmail: true });
}

/** A second, different message under a Message-ID already seen: stored as its own message, and staff are told. */
async function flagCollision(tx: Db, deps: ArrivalDeps, caseId: bigint | undefined, a: Arrival): Promise<void> {
  const c = a.collision!;
  const details = [
    `Message-ID <${a.msg.messageId ?? ''}> from ${a.msg.from?.address ?? 'unknown'} was first used by ${c.firstFrom ?? 'an unparsed message'} (inbound ${c.firstInboundId}).`,
    'Both are kept; the later one was treated as new, not as a duplicate.',
  ];
  const nextSteps = 'Check whether someone reused the Message-ID to suppress this mail.';
  if (caseId !== undefined) {
    await advanceCase(tx, deps, caseId, { type: 'identity_collision', details, nextSteps }, { ...eventContext(a), eventKey: `in:${a.inboundId}:collision` });
    return;
  }
  await deps.outbox.noticeToStaff(tx, { to: 'staff', title: 'Two different messages with one Message-ID', details, nextSteps, eventKey: `in:${a.inboundId}:collision`, now: deps.clock.now(), aboutSender: a.msg.from?.address });
}

/** A staff command that names no case cannot act; the staff member is told how to name one. */
async function commandWithoutCase(tx: Db, deps: ArrivalDeps, a: Arrival): Promise<void> {
  if (!looksLikeCommand(a.msg.newText)) return;
  await deps.outbox.noticeToStaff(tx, {
    to: a.msg.from!.address,
    title: 'Command not carried out: no case named',
    details: [`"${a.msg.newText.split(/\r?\n/)[0]!.slice(0, 80)}" does not say which case it is for.`],
    nextSteps: 'Reply on the case thread, or put the case reference (CMP-YYYY-NNNNNN) in the subject.',
    eventKey: `in:${a.inboundId}:no-case`,
    inReplyTo: a.msg.messageId,
    now: deps.clock.now(),
  });
}

/** POLICY: what a message asks that it may not do is recorded and shown to staff, never silently dropped. */
async function refuseCommandFromCustomer(tx: Db, deps: ArrivalDeps, caseId: bigint, a: Arrival): Promise<void> {
  const parsed = looksLikeCommand(a.msg.newText) ? parseCommand(a.msg.newText) : undefined;
  if (!parsed?.ok || !(COMMAND_VERBS as readonly string[]).includes(parsed.command.verb) || a.cls.reasons.includes('own-address')) return;
  const from = a.msg.from?.address ?? 'unknown';
  const reason = a.cls.reasons.includes('staff-auth-failed') ? 'the message did not pass sender authentication' : 'the sender is not a staff address';
  await advanceCase(
    tx,
    deps,
    caseId,
    { type: 'command_refused', verb: parsed.command.verb, from, reason },
    { eventKey: `in:${a.inboundId}:command`, actor: `customer:${from}`, inboundMessageId: a.inboundId, aboutSender: from },
  );
}

/** Mail from a staff address that failed sender authentication and names no case: staff still hear of it. */
async function refuseUnauthenticatedStaffMail(tx: Db, deps: ArrivalDeps, a: Arrival): Promise<void> {
  if (!a.cls.reasons.includes('staff-auth-failed') || !looksLikeCommand(a.msg.newText)) return;
  const from = a.msg.from?.address ?? 'unknown';
  await deps.outbox.noticeToStaff(tx, {
    to: 'staff',
    title: 'Command refused: sender authentication failed',
    details: [`"${a.msg.newText.split(/\r?\n/)[0]!.slice(0, 80)}" from ${from} names no case and did not pass sender authentication.`, ...a.cls.reasons.filter((r) => r.startsWith('sender-auth'))],
    nextSteps: `Nothing was done. If ${from} did not send it, someone is using that address.`,
    eventKey: `in:${a.inboundId}:unauthenticated`,
    now: deps.clock.now(),
    aboutSender: from,
  });
}
