/**
 * Shared fixtures for the pure lifecycle tests: a CaseFacts factory, the staff who act, the
 * real business calendar and instants with explicit offsets. No I/O.
 */
import { newCaseFacts } from '../../src/cases/decision.ts';
import { isPriority } from '../../src/cases/flags.ts';
import { decide, type CaseFacts, type Decision, type LifecycleEvent, type SendIntent } from '../../src/cases/lifecycle.ts';
import { createBusinessCalendar } from '../../src/policy/calendar.ts';
import { planDeadlines, type DeadlineKind } from '../../src/policy/deadlines.ts';
import { DEFAULT_POLICY } from '../../src/policy/settings.ts';
import type { StaffCommand } from '../../src/staff/commands.ts';
import type { StaffRole } from '../../src/vocabulary.ts';

export const at = (iso: string): Date => new Date(iso);

export const calendar = createBusinessCalendar({ timeZone: 'Europe/London', holidayRegion: 'GB-ENG', opens: '09:00', closes: '17:30' });

/** Monday 2 February 2026, 10:00 London (GMT). */
export const RECEIVED = at('2026-02-02T10:00:00Z');
/** Wednesday 4 February 2026, 11:00 London: "now" for most tests. */
export const NOW = at('2026-02-04T11:00:00Z');

export type Staff = { email: string; role: StaffRole; id: bigint };
export const REP: Staff = { email: 'rep@example.com', role: 'rep', id: 1n };
export const SUPERVISOR: Staff = { email: 'sup@example.com', role: 'supervisor', id: 2n };
export const ENGINEER: Staff = { email: 'eng@example.com', role: 'engineering', id: 3n };
export const DIRECTOR: Staff = { email: 'director@example.com', role: 'director', id: 4n };

/** A case as it is right after intake: new, nothing done yet. `priority` follows the flags unless given. */
export function caseFacts(over: Partial<CaseFacts> = {}): CaseFacts {
  const f: CaseFacts = { ...newCaseFacts(RECEIVED), ...over };
  return over.priority === undefined ? { ...f, priority: isPriority(f.flags) } : f;
}

/** Acknowledged and reviewed, being worked on. */
export function openCase(over: Partial<CaseFacts> = {}): CaseFacts {
  return caseFacts({ status: 'open', acknowledgedAt: RECEIVED, reviewedAt: at('2026-02-02T11:00:00Z'), lastCustomerContactAt: RECEIVED, ...over });
}

/** The outcome went out on Tuesday 3 February 15:00 (R10); waiting for the customer (R11/R12). */
export const OUTCOME_SENT = at('2026-02-03T15:00:00Z');
export function awaitingCase(over: Partial<CaseFacts> = {}): CaseFacts {
  return openCase({ status: 'awaiting_confirmation', outcome: 'We refunded the charge.', outcomeSentAt: OUTCOME_SENT, lastCustomerContactAt: OUTCOME_SENT, ...over });
}

/** Closed on the customer's confirmation (R11). */
export function closedCase(over: Partial<CaseFacts> = {}): CaseFacts {
  return awaitingCase({ status: 'closed', closedAt: at('2026-02-04T09:00:00Z'), closureReason: 'confirmed', ...over });
}

/** Withdrawn by the customer (R17's exception). */
export function withdrawnCase(over: Partial<CaseFacts> = {}): CaseFacts {
  return openCase({ status: 'withdrawn', closedAt: at('2026-02-04T09:00:00Z'), closureReason: 'withdrawn', ...over });
}

export function staffDoes(f: CaseFacts, command: StaffCommand, staff: Staff = REP, now: Date = NOW): Decision {
  return decide(f, { type: 'staff_command', command, staff, channel: 'cli' }, now);
}

export function customerSays(f: CaseFacts, kind: Extract<LifecycleEvent, { type: 'customer_message' }>['kind'], now: Date = NOW): Decision {
  return decide(f, { type: 'customer_message', kind }, now);
}

/** The facts after a decision, as the adapter stores them. */
export function apply(f: CaseFacts, d: Decision): CaseFacts {
  return { ...f, ...d.patch };
}

export const ALL_COMMANDS: readonly StaffCommand[] = [
  { verb: 'outcome', text: 'We refunded the charge.' },
  { verb: 'note', text: 'Line test booked.' },
  { verb: 'reply', text: 'We are looking into it.' },
  { verb: 'escalate', to: 'supervisor' },
  { verb: 'escalate', to: 'engineering' },
  { verb: 'escalate', to: 'director' },
  { verb: 'flag', flag: 'vulnerable' },
  { verb: 'flag', flag: 'urgent' },
  { verb: 'flag', flag: 'harm' },
  { verb: 'flag', flag: 'technical' },
  { verb: 'flag', flag: 'vexatious' },
  { verb: 'flag', flag: 'out-of-jurisdiction' },
  { verb: 'deadlock' },
  { verb: 'refuse-deadlock', reason: 'timely' },
  { verb: 'refuse-deadlock', reason: 'vexatious' },
  { verb: 'refuse-deadlock', reason: 'jurisdiction' },
  { verb: 'withdrawn' },
  { verb: 'assign' },
];

export const describeCommand = (c: StaffCommand): string =>
  `#${c.verb}${'to' in c ? ` ${c.to}` : ''}${'flag' in c ? ` ${c.flag}` : ''}${'reason' in c ? ` ${c.reason}` : ''}`;

/** Everything a message carries as one string, so tests check what it says, not how its data is laid out. */
export const textOf = (send: SendIntent | undefined): string => JSON.stringify(send?.data ?? {});

/** The kinds of deadline a case owes, and when one is due, as planDeadlines says. */
export const planned = (f: CaseFacts): DeadlineKind[] => planDeadlines(f, calendar, DEFAULT_POLICY).map((d) => d.kind);
export const dueOf = (f: CaseFacts, kind: DeadlineKind): string | undefined =>
  planDeadlines(f, calendar, DEFAULT_POLICY).find((d) => d.kind === kind)?.dueAt.toISOString();
