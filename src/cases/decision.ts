import type { Audience, SendIntent } from '../outbound/intents.ts';
import type { DeadlineFacts, DeadlineKind } from '../policy/deadlines.ts';
import type { ClosureReason, OwnerRole } from '../vocabulary.ts';

export type { Audience, SendIntent } from '../outbound/intents.ts';

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
  closureReason: ClosureReason | null;
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
