import type { DeadlineFacts, DeadlineKind } from '../policy/deadlines.ts';
import type { StaffRole } from '../staff/staff-repo.ts';
import type { OwnerRole } from './cases-repo.ts';

/** Everything the state machine knows of a case: plain data, loaded by the adapter. */
export interface CaseFacts extends DeadlineFacts {
  ownerRole: OwnerRole;
  ownerStaffId: bigint | null;
  priority: boolean;
  outcome: string | null;
  latestNote: string | null;
  latestNoteAt: Date | null;
  deadlockRequestedAt: Date | null;
  deadlockDecision: 'issued' | 'refused' | null;
  deadlockRefusalReason: string | null;
  reopenedCount: number;
  closedAt: Date | null;
  closureReason: 'confirmed' | 'no_response' | 'withdrawn' | null;
}

/** A case as it stands right after intake: new, with nothing done yet. */
export function newCaseFacts(receivedAt: Date): CaseFacts {
  return {
    status: 'new',
    flags: [],
    receivedAt,
    acknowledgedAt: null,
    reviewedAt: null,
    lastCustomerContactAt: null,
    outcomeSentAt: null,
    directorEscalatedAt: null,
    directorDeterminedAt: null,
    technicalSince: null,
    engineeringRespondedAt: null,
    adrNoticeSentAt: null,
    adrWarnedAt: null,
    ownerRole: 'rep',
    ownerStaffId: null,
    priority: false,
    outcome: null,
    latestNote: null,
    latestNoteAt: null,
    deadlockRequestedAt: null,
    deadlockDecision: null,
    deadlockRefusalReason: null,
    reopenedCount: 0,
    closedAt: null,
    closureReason: null,
  };
}

/** Who a message goes to: the customer side, the customer side at the registered address (R10's outcome), the sender of the mail answered (RFC 3834), the staff member who acted, a staff role, or all staff. */
export type Audience = 'customer' | 'registered' | 'sender' | 'actor' | StaffRole | 'staff';

export interface SendIntent {
  kind: string;
  to: Audience;
  /** RFC 3834: automatic replies carry Auto-Submitted and count against the per-address cap. */
  automatic: boolean;
  data?: Record<string, unknown>;
}

export interface HistoryIntent {
  event: string;
  data?: Record<string, unknown>;
}

export interface Decision {
  patch: Partial<CaseFacts>;
  sends: SendIntent[];
  /** Deadlines this event fulfils. */
  kept: DeadlineKind[];
  history: HistoryIntent[];
  /** Set when a staff command is refused; nothing else happens then. */
  error?: string;
}

export const OPEN_STATUSES = new Set(['new', 'open', 'awaiting_confirmation']);

export function decision(d: Partial<Decision>): Decision {
  return { patch: {}, sends: [], kept: [], history: [], ...d };
}

export function alert(to: Audience, title: string, details: string[], nextSteps: string): SendIntent {
  return { kind: 'staff_alert', to, automatic: false, data: { title, details, nextSteps } };
}

export function directorPending(f: CaseFacts): boolean {
  return f.directorEscalatedAt !== null && f.directorDeterminedAt === null;
}


export function withFlag(flags: readonly string[], flag: string): string[] {
  return flags.includes(flag) ? [...flags] : [...flags, flag];
}
