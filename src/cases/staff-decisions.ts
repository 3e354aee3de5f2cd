import type { AcknowledgementChannel, StaffCommand } from '../staff/commands.ts';
import type { StaffRole } from '../vocabulary.ts';
import type { DeadlineKind } from '../policy/deadlines.ts';
import { isOpen } from '../vocabulary.ts';
import { alert, decision, directorPending, withFlag, type CaseFacts, type Decision } from './decision.ts';
import { commandReceipt } from '../staff/receipts.ts';
import { isPriority } from './flags.ts';

/**
 * What staff commands do (R4-R7, R10, R14-R17): pure, like the rest of the lifecycle. A
 * command that arrived by email also earns its sender a receipt.
 */
export function staffCommand(f: CaseFacts, c: StaffCommand, staff: { email: string; role: StaffRole; id: bigint }, now: Date, channel: 'email' | 'cli', letterDay?: LocalDay): Decision {
  const closedOk = c.verb === 'note' || c.verb === 'reply' || c.verb === 'reopen';
  if (!isOpen(f.status) && !closedOk) return decision({ error: `the case is ${f.status}; #${c.verb} applies only to open cases` });
  const d = commandEffect(f, c, staff, now, letterDay);
  if (d.error) return d;
  const acted = actedBy(f, d, staff, now);
  if (channel === 'email') acted.sends.push(commandReceipt(c));
  return acted;
}

/** A local date as the instants it begins and ends (the business time zone's, worked out by the caller). */
export interface LocalDay {
  start: Date;
  end: Date;
}

/**
 * R11 by post: the customer's letter confirms the outcome, so the case closes as confirmed
 * and the closure notice goes out, as for a confirmation by email. Only an outcome already
 * given can be confirmed (R17), so the letter cannot predate it, nor be dated in the future.
 */
function confirmedByPost(f: CaseFacts, on: string, day: LocalDay | undefined, now: Date): Decision {
  if (!day) return decision({ error: `the letter date ${on} could not be read in the business time zone` });
  if (!f.outcomeSentAt) return decision({ error: 'no outcome has been given yet (R17): record it with #outcome; the customer can then confirm it' });
  if (day.start > now) return decision({ error: `the letter is dated ${on}, which is in the future` });
  if (day.end <= f.outcomeSentAt) return decision({ error: `the letter is dated ${on}, before the outcome was sent (${f.outcomeSentAt.toISOString()}): it cannot confirm that outcome` });
  return decision({
    patch: { status: 'closed', closedAt: now, closureReason: 'confirmed' },
    sends: [{ kind: 'closure_confirmed', to: 'customer', automatic: false, data: { letterDate: on } }],
    history: [{ event: 'case.closed', data: { rule: 'R11', reason: 'confirmed', confirmed_by: 'post', letter_date: on } }],
  });
}

/** Any staff action is the review of R4; an engineer's or the Director's action meets theirs (R6, R7). */
function actedBy(f: CaseFacts, d: Decision, staff: { role: StaffRole; id: bigint }, now: Date): Decision {
  const patch: Partial<CaseFacts> = { ...d.patch };
  const kept = [...d.kept];
  if (!f.reviewedAt) {
    patch.reviewedAt = now;
    kept.push('review');
    if (f.status === 'new' && patch.status === undefined) patch.status = 'open';
  }
  if (staff.role === 'engineering' && f.technicalSince && !f.engineeringRespondedAt) {
    patch.engineeringRespondedAt = now;
    kept.push('engineering_target', 'engineering_overdue');
  }
  if (staff.role === 'director' && f.directorEscalatedAt && !f.directorDeterminedAt && (d.patch.outcome !== undefined || d.patch.latestNote !== undefined)) {
    patch.directorDeterminedAt = now;
    kept.push('director');
  }
  return { ...d, patch, kept };
}

function commandEffect(f: CaseFacts, c: StaffCommand, staff: { id: bigint }, now: Date, letterDay: LocalDay | undefined): Decision {
  switch (c.verb) {
    case 'outcome':
      return outcome(f, c.text, now);
    case 'note':
      return decision({ patch: { latestNote: c.text, latestNoteAt: now }, history: [{ event: 'note.added', data: { rule: 'R3', text: c.text } }] });
    case 'reply':
      return decision({
        patch: { lastCustomerContactAt: now },
        sends: [{ kind: 'reply', to: 'customer', automatic: false, data: { text: c.text } }],
        history: [{ event: 'staff.reply', data: { text: c.text } }],
      });
    case 'escalate':
      return escalate(f, c.to, now);
    case 'flag':
      return flag(f, c.flag, now);
    case 'deadlock':
      return decision({
        patch: { deadlockDecision: 'issued', lastCustomerContactAt: now },
        sends: [{ kind: 'deadlock_letter', to: 'customer', automatic: false }],
        history: [{ event: 'deadlock.issued', data: { rule: 'R15' } }],
      });
    case 'refuse-deadlock':
      return decision({
        patch: { deadlockDecision: 'refused', deadlockRefusalReason: c.reason, lastCustomerContactAt: now },
        sends: [{ kind: 'deadlock_refusal', to: 'customer', automatic: false, data: { reason: c.reason } }],
        history: [{ event: 'deadlock.refused', data: { rule: 'R15', reason: c.reason } }],
      });
    case 'withdrawn':
      // R17's one exception: withdrawn by the customer, closed without an outcome.
      return decision({ patch: { status: 'withdrawn', closedAt: now, closureReason: 'withdrawn' }, history: [{ event: 'case.withdrawn', data: { rule: 'R17' } }] });
    case 'assign':
      return decision({ patch: { ownerStaffId: staff.id }, history: [{ event: 'case.assigned', data: { rule: 'R4', staffId: staff.id.toString() } }] });
    case 'reopen':
      return reopen(f);
    case 'unflag':
      return unflag(f, c.flag);
    case 'confirmed-by-post':
      return confirmedByPost(f, c.on, letterDay, now);
    case 'acknowledged':
      return acknowledgedBy(f, c.by, now);
    case 'open':
      return decision({ error: 'this case exists already: #open opens a case for a complaint that is on none (forward it without the case reference); to add something to this case, use #note' });
  }
}

/** R1 met by phone ("via telephone or email"): the acknowledgement deadline is kept now, and the record says how. */
export function acknowledgedBy(f: CaseFacts, channel: AcknowledgementChannel, now: Date): Decision {
  if (f.acknowledgedAt) return decision({ error: `the complaint was already acknowledged (${f.acknowledgedAt.toISOString()}); nothing to record` });
  return decision({ patch: { acknowledgedAt: now }, kept: ['ack'], history: [{ event: 'acknowledged', data: { rule: 'R1', channel } }] });
}

/** Undoes a closure made in error: the case is open again and its deadlines are planned afresh. */
function reopen(f: CaseFacts): Decision {
  if (isOpen(f.status)) return decision({ error: `the case is ${f.status}, not closed; nothing to reopen` });
  return decision({
    patch: { status: 'open', closedAt: null, closureReason: null, reopenedCount: f.reopenedCount + 1 },
    history: [{ event: 'case.reopened', data: { reason: 'staff reopened it', was: f.closureReason ?? f.status } }],
  });
}

function unflag(f: CaseFacts, name: string): Decision {
  const stored = name.replaceAll('-', '_');
  if (!f.flags.includes(stored)) return decision({ error: `the case is not flagged ${name}` });
  const flags = f.flags.filter((x) => x !== stored);
  return decision({ patch: { flags, priority: isPriority(flags) }, history: [{ event: 'flag.removed', data: { flag: stored, rule: flagRule(stored) } }] });
}

/** R10: the outcome goes out in the customer's format and asks them to confirm closure. */
function outcome(f: CaseFacts, text: string, now: Date): Decision {
  const kept: DeadlineKind[] = [];
  const patch: Partial<CaseFacts> = { outcome: text, outcomeSentAt: now, status: 'awaiting_confirmation', lastCustomerContactAt: now };
  if (f.directorEscalatedAt && !f.directorDeterminedAt) {
    patch.directorDeterminedAt = now;
    kept.push('director');
  }
  if (f.technicalSince && !f.engineeringRespondedAt) {
    patch.engineeringRespondedAt = now;
    kept.push('engineering_target', 'engineering_overdue');
  }
  return decision({
    patch,
    kept,
    sends: [{ kind: 'outcome', to: 'registered', automatic: false, data: { text } }],
    history: [{ event: 'outcome.recorded', data: { rule: 'R10', text } }],
  });
}

function escalate(f: CaseFacts, to: 'supervisor' | 'engineering' | 'director', now: Date): Decision {
  if (to === 'supervisor') return decision({ patch: { ownerRole: 'supervisor' }, history: [{ event: 'escalated.supervisor', data: { rule: 'R5' } }] });
  if (to === 'engineering') return referToEngineering(f, now, { ownerRole: 'engineering' });
  if (directorPending(f)) return decision({ history: [{ event: 'escalated.director', data: { rule: 'R7', note: 'already with the Director' } }] });
  return decision({
    patch: { ownerRole: 'director', directorEscalatedAt: now, directorDeterminedAt: null, lastCustomerContactAt: now },
    sends: [
      { kind: 'director_escalation', to: 'customer', automatic: true, data: { reason: 'unresolved' } },
      alert('director', 'Escalated to the Director (R7)', ['Support could not resolve the complaint.'], 'Make a determination within 5 days and record it with #outcome.'),
    ],
    history: [{ event: 'escalated.director', data: { rule: 'R7', reason: 'staff escalation' } }],
  });
}

/** R6: engineering alerted at once; target 3 business days, overdue at 5. A referral already open keeps its clock. */
function referToEngineering(f: CaseFacts, now: Date, patch: Partial<CaseFacts>): Decision {
  if (f.technicalSince && !f.engineeringRespondedAt) {
    return decision({ patch: { ...patch, flags: withFlag(f.flags, 'technical') }, history: [{ event: 'escalated.engineering', data: { rule: 'R6', note: 'already with engineering' } }] });
  }
  return decision({
    patch: { ...patch, technicalSince: now, engineeringRespondedAt: null, flags: withFlag(f.flags, 'technical') },
    sends: [alert('engineering', 'Technical complaint referred to engineering (R6)', ['Staff referred the case.'], 'Investigate; the target is 3 business days, overdue at 5.')],
    history: [{ event: 'escalated.engineering', data: { rule: 'R6' } }],
  });
}

function flag(f: CaseFacts, name: string, now: Date): Decision {
  const stored = name.replaceAll('-', '_');
  if (stored === 'technical') return referToEngineering(f, now, {});
  const flags = withFlag(f.flags, stored);
  return decision({ patch: { flags, priority: isPriority(flags) }, history: [{ event: 'flag.added', data: { flag: stored, rule: flagRule(stored) } }] });
}

function flagRule(flag: string): string {
  return flag === 'vexatious' || flag === 'out_of_jurisdiction' ? 'R14/R16' : 'R8';
}

