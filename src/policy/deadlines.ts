import type { BusinessCalendar } from './calendar.ts';
import type { CaseStatus } from '../vocabulary.ts';
import type { PolicySettings } from './settings.ts';

/** Each deadline kind, with the POLICY.md rule it keeps. */
export const DEADLINE_RULES = {
  ack: 'R1',
  review: 'R4',
  update: 'R3',
  engineering_target: 'R6',
  engineering_overdue: 'R6',
  director: 'R7',
  closure: 'R12',
  adr_warning: 'R14',
  adr: 'R14',
} as const;
export type DeadlineKind = keyof typeof DEADLINE_RULES;

/** Deadlines the system keeps itself when they fall due; the others are staff obligations shown in the digest. */
export const ACTIONABLE_DEADLINES: readonly DeadlineKind[] = ['update', 'closure', 'adr_warning', 'adr'];

/** What the deadline planner needs to know of a case. */
export interface DeadlineFacts {
  status: CaseStatus;
  flags: readonly string[];
  receivedAt: Date;
  acknowledgedAt: Date | null;
  reviewedAt: Date | null;
  lastCustomerContactAt: Date | null;
  outcomeSentAt: Date | null;
  directorEscalatedAt: Date | null;
  directorDeterminedAt: Date | null;
  technicalSince: Date | null;
  engineeringRespondedAt: Date | null;
  adrNoticeSentAt: Date | null;
  adrWarnedAt: Date | null;
}

export interface PlannedDeadline {
  kind: DeadlineKind;
  rule: string;
  dueAt: Date;
}

/**
 * The deadlines a case owes right now, from its facts alone. Whatever is pending but no
 * longer planned is cancelled; a pending one whose due time moved is re-planned.
 */
export function planDeadlines(f: DeadlineFacts, cal: BusinessCalendar, p: PolicySettings): PlannedDeadline[] {
  if (f.status === 'closed' || f.status === 'withdrawn') return [];
  const plan: PlannedDeadline[] = [];
  const add = (kind: DeadlineKind, dueAt: Date) => plan.push({ kind, rule: DEADLINE_RULES[kind], dueAt });

  if (!f.acknowledgedAt) add('ack', cal.addBusinessDays(f.receivedAt, p.ackBusinessDays));
  if (!f.reviewedAt) add('review', cal.addBusinessDays(f.receivedAt, p.reviewBusinessDays));
  if (f.status === 'new' || f.status === 'open') {
    add('update', cal.addBusinessDays(f.lastCustomerContactAt ?? f.receivedAt, p.updateEveryBusinessDays));
  }
  if (f.technicalSince && !f.engineeringRespondedAt) {
    add('engineering_target', cal.addBusinessDays(f.technicalSince, p.engineeringTargetBusinessDays));
    add('engineering_overdue', cal.addBusinessDays(f.technicalSince, p.engineeringOverdueBusinessDays));
  }
  if (f.directorEscalatedAt && !f.directorDeterminedAt) add('director', cal.addCalendarDays(f.directorEscalatedAt, p.directorDays));
  if (f.status === 'awaiting_confirmation' && f.outcomeSentAt) {
    add('closure', cal.addBusinessDays(f.outcomeSentAt, p.silenceClosureBusinessDays));
  }
  if (adrNoticeOwed(f)) {
    const adrAt = cal.addCalendarDays(f.receivedAt, p.adrDays);
    if (!f.adrWarnedAt) add('adr_warning', cal.addCalendarDays(adrAt, -p.adrWarningDays));
    add('adr', adrAt);
  }
  return plan;
}

/** R14 with R16: the ADR notice is owed unless it was sent, or the case is vexatious or out of jurisdiction. */
export function adrNoticeOwed(f: Pick<DeadlineFacts, 'status' | 'flags' | 'adrNoticeSentAt'>): boolean {
  if (f.adrNoticeSentAt || f.status === 'closed' || f.status === 'withdrawn') return false;
  return !f.flags.includes('vexatious') && !f.flags.includes('out_of_jurisdiction');
}

export interface StoredDeadline {
  id: bigint;
  kind: string;
  dueAt: Date;
}

export type DeadlineChange =
  | { op: 'insert'; kind: DeadlineKind; rule: string; dueAt: Date }
  | { op: 'resolve'; id: bigint; kind: string; status: 'met' | 'missed' | 'cancelled' | 'replanned'; dueAt: Date };

/**
 * Reconciles stored pending deadlines with the plan. Kinds named in `kept` were fulfilled
 * by this event: met, or missed when kept later than due plus the grace.
 */
export function reconcileDeadlines(
  pending: readonly StoredDeadline[],
  plan: readonly PlannedDeadline[],
  kept: readonly DeadlineKind[],
  now: Date,
  graceSeconds: number,
): DeadlineChange[] {
  const changes: DeadlineChange[] = [];
  const stillPending = new Map<string, StoredDeadline>();
  for (const d of pending) {
    const planned = plan.find((p) => p.kind === d.kind);
    if ((kept as readonly string[]).includes(d.kind)) {
      const late = now.getTime() > d.dueAt.getTime() + graceSeconds * 1000;
      changes.push({ op: 'resolve', id: d.id, kind: d.kind, status: late ? 'missed' : 'met', dueAt: d.dueAt });
    } else if (!planned) {
      changes.push({ op: 'resolve', id: d.id, kind: d.kind, status: 'cancelled', dueAt: d.dueAt });
    } else if (planned.dueAt.getTime() !== d.dueAt.getTime()) {
      changes.push({ op: 'resolve', id: d.id, kind: d.kind, status: 'replanned', dueAt: d.dueAt });
    } else {
      stillPending.set(d.kind, d);
    }
  }
  for (const p of plan) {
    if (!stillPending.has(p.kind)) changes.push({ op: 'insert', kind: p.kind, rule: p.rule, dueAt: p.dueAt });
  }
  return changes;
}
