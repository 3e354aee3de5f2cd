import { adrNoticeOwed, type DeadlineKind } from '../policy/deadlines.ts';
import type { StaffCommand } from '../staff/commands.ts';
import type { CustomerReplyKind, StaffRole } from '../vocabulary.ts';
import { alert, decision, directorPending, type CaseFacts, type Decision, type HistoryIntent, type SendIntent } from './decision.ts';
import { staffCommand, type LocalDay } from './staff-decisions.ts';

export type { Audience, CaseFacts, Decision, HistoryIntent, SendIntent } from './decision.ts';

export type CustomerMessageKind = CustomerReplyKind;

export type LifecycleEvent =
  | { type: 'opened' }
  | { type: 'customer_message'; kind: CustomerMessageKind }
  | { type: 'staff_command'; command: StaffCommand; staff: { email: string; role: StaffRole; id: bigint }; channel: 'email' | 'cli'; letterDay?: LocalDay }
  | { type: 'deadline_due'; kind: DeadlineKind }
  | { type: 'message_sent'; kind: string }
  | { type: 'bounced'; outboundKind: string; recipient: string; diagnostic: string }
  | { type: 'send_failed'; outboundKind: string; error: string }
  | { type: 'command_refused'; verb: string; from: string; reason: string }
  | { type: 'customer_action_refused'; kind: CustomerMessageKind; from: string; reason: string }
  | { type: 'identity_collision'; details: string[]; nextSteps: string }
  | { type: 'invalid_command'; error: string };

/** The lifecycle of POLICY.md as one pure function: facts + event + now -> decision. */
export function decide(f: CaseFacts, e: LifecycleEvent, now: Date): Decision {
  switch (e.type) {
    case 'opened':
      return opened(f, now);
    case 'customer_message':
      return customerMessage(f, e.kind, now);
    case 'staff_command':
      return staffCommand(f, e.command, e.staff, now, e.channel, e.letterDay);
    case 'deadline_due':
      return deadlineDue(f, e.kind, now);
    case 'message_sent':
      return messageSent(f, e.kind, now);
    case 'bounced':
      return decision({
        sends: [alert('staff', 'Our message to the customer bounced', [`${e.outboundKind} to ${e.recipient}: ${e.diagnostic}`], 'Check the address with the customer by another channel.')],
        history: [{ event: 'outbound.bounced', data: { kind: e.outboundKind, recipient: e.recipient, diagnostic: e.diagnostic } }],
      });
    case 'send_failed':
      return decision({
        sends: [alert('staff', 'A message could not be sent', [`${e.outboundKind}: ${e.error}`], 'Fix the cause, then find it with `redress outbox list --status dead` and send it again with `redress outbox retry ID` (or `--all-dead`).')],
        history: [{ event: 'outbound.failed', data: { kind: e.outboundKind, error: e.error } }],
      });
    case 'invalid_command':
      return decision({ error: e.error });
    case 'customer_action_refused':
      return decision({
        sends: [
          alert(
            'staff',
            'Customer message not acted on: sender not verified',
            [`From ${e.from}, read as "${e.kind.replaceAll('_', ' ')}": ${e.reason}.`],
            'The case did not change. Check with the customer through a channel you trust before acting on it.',
          ),
        ],
        history: [{ event: 'customer_action.refused', data: { kind: e.kind, from: e.from, reason: e.reason } }],
      });
    case 'identity_collision':
      return decision({
        sends: [alert('staff', 'Two different messages with one Message-ID', e.details, e.nextSteps)],
        history: [{ event: 'message.identity_collision', data: { details: e.details } }],
      });
    case 'command_refused':
      return decision({
        sends: [alert('staff', `Command #${e.verb} refused`, [`From ${e.from}: ${e.reason}.`], 'Nothing was done. If this person should act by email, add them with `redress staff add`.')],
        history: [{ event: 'command.refused', data: { verb: e.verb, from: e.from, reason: e.reason } }],
      });
  }
}

/** R1 acknowledge at once (R2 asks for what is missing), R4 review, R6 technical referral, R8 priority. */
function opened(f: CaseFacts, now: Date): Decision {
  const sends: SendIntent[] = [{ kind: 'ack', to: 'sender', automatic: true, data: { missingInfo: f.flags.includes('missing_facts') } }];
  const history: HistoryIntent[] = [];
  const patch: Partial<CaseFacts> = { lastCustomerContactAt: now };
  if (f.flags.includes('technical')) {
    patch.technicalSince = f.receivedAt;
    sends.push(alert('engineering', 'Technical complaint referred to engineering (R6)', ['Classified technical on arrival.'], 'Investigate; the target is 3 business days, overdue at 5.'));
    history.push({ event: 'escalated.engineering', data: { rule: 'R6', reason: 'classified technical' } });
  }
  if (f.priority) history.push({ event: 'priority.referral', data: { rule: 'R8', flags: f.flags } });
  return decision({ patch, sends, history });
}

function customerMessage(f: CaseFacts, kind: CustomerMessageKind, now: Date): Decision {
  if (kind === 'not_resolved') return notResolved(f, now);
  if (f.status === 'closed' || f.status === 'withdrawn') return decision({});
  if (kind === 'confirmation' && f.outcomeSentAt) {
    // R11: closed on the customer's confirmation of the outcome, and told so.
    return decision({
      patch: { status: 'closed', closedAt: now, closureReason: 'confirmed' },
      sends: [{ kind: 'closure_confirmed', to: 'customer', automatic: true }],
      history: [{ event: 'case.closed', data: { rule: 'R11', reason: 'confirmed' } }],
    });
  }
  const d = kind === 'deadlock_request' ? deadlockRequested(now) : decision({});
  if (kind === 'confirmation') {
    d.history.push({ event: 'confirmation.without_outcome', data: { rule: 'R17', note: 'no outcome given yet; the case stays open' } });
    d.sends.push(alert('staff', 'Customer says it is resolved, but no outcome was given (R17)', ['The case cannot close until the customer has been told the outcome.'], 'Record the outcome with #outcome; the customer can then confirm it.'));
  }
  if (f.status === 'awaiting_confirmation') {
    // Any reply to the outcome stops closure by silence (R12): staff must answer it.
    d.patch.status = 'open';
    d.history.push({ event: 'case.reopened', data: { reason: 'customer replied to the outcome' } });
    if (kind !== 'deadlock_request') d.sends.push(alert('staff', 'Customer replied to the outcome', ['The reply is on the case.'], 'Read it and answer with #reply, or record a new #outcome.'));
  }
  return d;
}

/** R15: the customer asked; staff decide. */
function deadlockRequested(now: Date): Decision {
  return decision({
    patch: { deadlockRequestedAt: now },
    sends: [alert('staff', 'Deadlock letter requested (R15)', ['The customer asked for a deadlock letter.'], 'Reply with #deadlock to issue it, or #refuse-deadlock timely|vexatious|jurisdiction.')],
    history: [{ event: 'deadlock.requested', data: { rule: 'R15' } }],
  });
}

/** R13: not resolved -> reopened and escalated to the Director (R7). */
function notResolved(f: CaseFacts, now: Date): Decision {
  const reopen = f.status !== 'new' && f.status !== 'open';
  const pending = directorPending(f);
  return decision({
    patch: {
      status: 'open',
      ownerRole: 'director',
      // A Director determination already pending keeps its 5-day clock (R7).
      directorEscalatedAt: pending ? f.directorEscalatedAt : now,
      directorDeterminedAt: null,
      closedAt: null,
      closureReason: null,
      reopenedCount: f.reopenedCount + (reopen ? 1 : 0),
      lastCustomerContactAt: now,
    },
    sends: [
      { kind: 'director_escalation', to: 'customer', automatic: true, data: { reason: 'outcome' } },
      alert('director', 'Escalated to the Director (R7, R13)', ['The customer says the complaint is not resolved.'], 'Make a determination within 5 days and record it with #outcome.'),
    ],
    history: [
      ...(reopen ? [{ event: 'case.reopened', data: { rule: 'R13' } }] : []),
      { event: 'escalated.director', data: { rule: 'R7', reason: 'customer not satisfied' } },
    ],
  });
}

/** A deadline fires only while the facts still owe it: a stale timer never sends or closes anything. */
function deadlineDue(f: CaseFacts, kind: DeadlineKind, now: Date): Decision {
  switch (kind) {
    case 'update':
      if (f.status !== 'new' && f.status !== 'open') return decision({});
      // R3: the latest staff note, else "still investigating".
      return decision({
        patch: { lastCustomerContactAt: now },
        sends: [{ kind: 'progress', to: 'customer', automatic: true, data: { note: freshNote(f) } }],
        kept: ['update'],
        history: [{ event: 'progress.update', data: { rule: 'R3' } }],
      });
    case 'closure':
      // R12, and R17: only an outcome the customer was sent can close by silence.
      if (f.status !== 'awaiting_confirmation' || !f.outcomeSentAt) return decision({});
      return decision({
        patch: { status: 'closed', closedAt: now, closureReason: 'no_response' },
        sends: [{ kind: 'closure_no_response', to: 'customer', automatic: true }],
        kept: ['closure'],
        history: [{ event: 'case.closed', data: { rule: 'R12', reason: 'no_response' } }],
      });
    case 'adr':
      if (!adrNoticeOwed(f)) return decision({});
      return decision({
        patch: { adrNoticeSentAt: now, lastCustomerContactAt: now },
        sends: [{ kind: 'adr_notice', to: 'customer', automatic: true }],
        kept: ['adr'],
        history: [{ event: 'adr.notice', data: { rule: 'R14' } }],
      });
    case 'adr_warning':
      if (!adrNoticeOwed(f) || f.adrWarnedAt) return decision({});
      return decision({
        patch: { adrWarnedAt: now },
        sends: [alert('staff', '8-week ADR date in 2 weeks (R14)', ['The customer will be told of their right to go to the Ombudsman.'], 'Resolve the case, or flag it vexatious or out-of-jurisdiction if that applies.')],
        kept: ['adr_warning'],
        history: [{ event: 'adr.warning', data: { rule: 'R14' } }],
      });
    default:
      return decision({});
  }
}

/** A note already passed on in an earlier update is not news; say "still investigating" instead. */
function freshNote(f: CaseFacts): string | null {
  if (!f.latestNote || !f.latestNoteAt) return null;
  return !f.lastCustomerContactAt || f.latestNoteAt > f.lastCustomerContactAt ? f.latestNote : null;
}

function messageSent(f: CaseFacts, kind: string, now: Date): Decision {
  if (kind === 'ack' && !f.acknowledgedAt) return decision({ patch: { acknowledgedAt: now }, kept: ['ack'], history: [{ event: 'acknowledged', data: { rule: 'R1' } }] });
  return decision({});
}

